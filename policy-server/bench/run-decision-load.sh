#!/usr/bin/env bash
# The decision load benchmark (docs/benchmarks.md, "Policy decisions"): compiles the policy-server
# tests, then runs io.meshid.policy.bench.DecisionLoad, which starts the real policy-server in-JVM
# over mTLS (H2 database, a generated policy set of 250 policies with template links seeded as
# version 1, decision cache off) and loads PolicyService.Check over persistent channels from
# several callers with distinct requests. Prints decisions/s and p50/p99. ~1 minute with the defaults.
#
#   policy-server/bench/run-decision-load.sh [-Dbench.KEY=VALUE ...]
#
# Keys (see DecisionLoad's javadoc): bench.policies=250  bench.channels=4  bench.concurrency=32
# bench.warmup=20  bench.duration=20  bench.requests=65536  bench.cacheSize=0
# bench.engine=java|native (the server's meshid.policy.engine) bench.modes=in-process,redis (both by
# default, side by side: Redis mode on a redis-server of its own, rate limits shared through it).
# A quick check that it works: -Dbench.warmup=2 -Dbench.duration=3
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail
BENCH_MODULE=policy-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

# Quiet server logs (and the decision log's lines) so that the report stays readable.
export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -Dbench.out="$OUT" \
  -Dlogback.configurationFile="$ROOT/policy-server/bench/logback-bench.xml" "$@" \
  -cp "$CP" io.meshid.policy.bench.DecisionLoad
