# Sourced by every module's bench/run-*.sh with BENCH_MODULE set (cert-authority, identity-server,
# policy-server): finds JDK 25, compiles that module's tests, and sets CP to a private copy of the
# compiled classes plus the test class path, so that a rebuild of the work tree during a run
# (another build, an IDE) cannot pull classes from under it. Exports ROOT, JAVA_HOME, OUT and CP.
: "${BENCH_MODULE:?set BENCH_MODULE to the module whose benchmark runs}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
JAVA_HOME=$(./meshid java)
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

OUT="$ROOT/$BENCH_MODULE/target/bench"
mkdir -p "$OUT"
# shellcheck disable=SC2086 # MVN_ARGS is a list of options
./mvnw -B -q ${MVN_ARGS:-} -pl "$BENCH_MODULE" -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >&2
SNAPSHOT="$OUT/classes-$$"
trap 'rm -rf "$SNAPSHOT"' EXIT
CP=""
i=0
IFS=: read -r -a ENTRIES <<<"$ROOT/$BENCH_MODULE/target/test-classes:$ROOT/$BENCH_MODULE/target/classes:$(cat "$OUT/classpath.txt")"
for entry in "${ENTRIES[@]}"; do
  if [ -d "$entry" ]; then
    i=$((i + 1))
    mkdir -p "$SNAPSHOT/$i"
    cp -R "$entry/." "$SNAPSHOT/$i/"
    entry="$SNAPSHOT/$i"
  fi
  CP="${CP:+$CP:}$entry"
done
export ROOT CP OUT
