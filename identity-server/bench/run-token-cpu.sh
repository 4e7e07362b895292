#!/usr/bin/env bash
# Thread CPU time per token operation (docs/benchmarks.md, "Tokens and attestation"): MintJwtSvid's
# and ExchangeToken's domain services in-process (no gRPC, no TLS), H2, shared store in-process.
# CPU time barely moves when other work shares the cores, so before/after comparisons hold on a
# busy machine (wall-clock load numbers do not). Compiles the identity-server tests, then runs
# io.meshid.identity.bench.TokenCpuTime. ~1 minute with the defaults.
#
#   identity-server/bench/run-token-cpu.sh [-Dbench.KEY=VALUE ...]
#
# Keys: bench.calls=2000 (per operation and round)  bench.rounds=14  bench.skip=4 (warm-up rounds).
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail
BENCH_MODULE=identity-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} "$@" \
  -cp "$CP" io.meshid.identity.bench.TokenCpuTime
