#!/usr/bin/env bash
# The certificate issuance benchmark (docs/benchmarks.md, "Certificate issuance"): compiles the
# cert-authority tests, then runs io.meshid.ca.bench.IssuanceBenchmark, which starts the real CA
# in-JVM over mTLS with its journal in the local PostgreSQL (127.0.0.1:5432, database test, user
# postgres), measures the raw ECDSA P-256 rates, and loads it over gRPC. Runs ~4 minutes with the
# defaults and prints a Markdown report (also saved in cert-authority/target/bench/, with the JFR
# recording of the profiled window).
#
#   cert-authority/bench/run-issuance.sh [-Dbench.KEY=VALUE ...]
#
# Keys (see IssuanceBenchmark's javadoc): bench.concurrency=8,16,32,64  bench.channels=4
# bench.duration=20  bench.warmup=60  bench.direct=32  bench.profile=32  bench.db=postgres|h2.
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
JAVA_HOME=$(./meshid java)
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

OUT="$ROOT/cert-authority/target/bench"
mkdir -p "$OUT"
# shellcheck disable=SC2086 # MVN_ARGS is a list of options
./mvnw -B -q ${MVN_ARGS:-} -pl cert-authority -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >&2
# Run from a private copy of the compiled classes, so that a rebuild of the work tree during the
# run (another build, an IDE) cannot pull classes from under it.
SNAPSHOT="$OUT/classes-$$"
trap 'rm -rf "$SNAPSHOT"' EXIT
CP=""
i=0
IFS=: read -r -a ENTRIES <<<"$ROOT/cert-authority/target/test-classes:$ROOT/cert-authority/target/classes:$(cat "$OUT/classpath.txt")"
for entry in "${ENTRIES[@]}"; do
  if [ -d "$entry" ]; then
    i=$((i + 1))
    mkdir -p "$SNAPSHOT/$i"
    cp -R "$entry/." "$SNAPSHOT/$i/"
    entry="$SNAPSHOT/$i"
  fi
  CP="${CP:+$CP:}$entry"
done

COMMAND="cert-authority/bench/run-issuance.sh${*:+ $*}"
# Quiet server logs so that the report stays readable; the CA logs warnings and errors only.
export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms2g -Xmx2g --enable-native-access=ALL-UNNAMED -XX:FlightRecorderOptions:stackdepth=256 \
  ${JAVA_OPTS:-} -Dbench.out="$OUT" -Dbench.command="$COMMAND" "$@" \
  -cp "$CP" io.meshid.ca.bench.IssuanceBenchmark
