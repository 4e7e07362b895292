# Sourced by the run-*.sh scripts here: finds JDK 25, compiles the policy-server tests, and sets CP
# to a private copy of the compiled classes plus the test class path, so that a rebuild of the
# work tree during a run (another build, an IDE) cannot pull classes from under it.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
JAVA_HOME=$(./meshid java)
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

OUT="$ROOT/policy-server/target/bench"
mkdir -p "$OUT"
# shellcheck disable=SC2086 # MVN_ARGS is a list of options
./mvnw -B -q ${MVN_ARGS:-} -pl policy-server -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >&2
SNAPSHOT="$OUT/classes-$$"
trap 'rm -rf "$SNAPSHOT"' EXIT
CP=""
i=0
IFS=: read -r -a ENTRIES <<<"$ROOT/policy-server/target/test-classes:$ROOT/policy-server/target/classes:$(cat "$OUT/classpath.txt")"
for entry in "${ENTRIES[@]}"; do
  if [ -d "$entry" ]; then
    i=$((i + 1))
    mkdir -p "$SNAPSHOT/$i"
    cp -R "$entry/." "$SNAPSHOT/$i/"
    entry="$SNAPSHOT/$i"
  fi
  CP="${CP:+$CP:}$entry"
done
export CP OUT
