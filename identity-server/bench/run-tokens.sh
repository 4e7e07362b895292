#!/usr/bin/env bash
# The token benchmark (docs/benchmarks.md, "Tokens and attestation"): builds cert-authority's jar
# and identity-server's tests, then runs io.meshid.identity.bench.TokenBenchmark, which starts the
# real CA as its own process, identity-server in-JVM over mTLS (database in the local PostgreSQL,
# 127.0.0.1:5432, database test, user postgres; or -Dbench.db=h2), and loads MintJwtSvid,
# ExchangeToken, Attest (join tokens) and RenewX509Svid over persistent mTLS channels. Prints a
# Markdown report (also saved in identity-server/target/bench/).
#
#   identity-server/bench/run-tokens.sh [-Dbench.KEY=VALUE ...]
#
# Both shared-store modes run in one command, side by side: bench.modes=in-process,redis (Redis: a
# redis-server of the benchmark's own, so its CPU per call is the benchmark's; bench.redis=true alone
# means redis only). Both servers stay up and their windows alternate, rpc by rpc and, with
# bench.rounds=N, round by round (the order reversed every other round; the report adds the mean).
# The issue 16 comparison: -Dbench.rpcs=mint,exchange,validate -Dbench.concurrency=64 -Dbench.rounds=2
#
# Keys (see TokenBenchmark's javadoc): bench.rpcs=mint,exchange,attest,renew (also validate) bench.concurrency=16,64
# bench.subjects=1 (subject tokens per workload for ExchangeToken; 3000 defeats the verified-token cache)
# bench.workloads=8 bench.duration=20 bench.warmup=30 bench.joinTokens=6000 bench.db=postgres|h2
# bench.modes=in-process,redis bench.rounds=1 bench.caJvmOptions="-XX:StartFlightRecording=..." (extra JVM options of the CA process). A quick check that it works: -Dbench.duration=2 -Dbench.warmup=1 -Dbench.concurrency=8
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail

BENCH_MODULE=identity-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"
# The benchmark starts the CA from its jar (and lib/).
# shellcheck disable=SC2086 # MVN_ARGS is a list of options
./mvnw -B -q ${MVN_ARGS:-} -pl cert-authority -am package -DskipTests >&2

COMMAND="identity-server/bench/run-tokens.sh${*:+ $*}"
export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# The CA jar is found relative to the working directory (cert-authority/target).
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms2g -Xmx2g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -Dbench.out="$OUT" -Dbench.command="$COMMAND" "$@" \
  -cp "$CP" io.meshid.identity.bench.TokenBenchmark
