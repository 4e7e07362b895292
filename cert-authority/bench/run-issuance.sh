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

BENCH_MODULE=cert-authority
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

COMMAND="cert-authority/bench/run-issuance.sh${*:+ $*}"
# Quiet server logs so that the report stays readable; the CA logs warnings and errors only.
export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms2g -Xmx2g --enable-native-access=ALL-UNNAMED -XX:FlightRecorderOptions:stackdepth=256 \
  ${JAVA_OPTS:-} -Dbench.out="$OUT" -Dbench.command="$COMMAND" "$@" \
  -cp "$CP" io.meshid.ca.bench.IssuanceBenchmark
