#!/usr/bin/env bash
# Per-decision cost of policy-server's Cedar evaluation (docs/benchmarks.md, "Policy decisions"):
# JMH, average time per decision at 1, 200 and 2,000 generated policies (with template links),
# for full evaluation, sliced evaluation, the whole uncached decision path, and the decision
# cache. Compiles the policy-server tests, then runs io.meshid.policy.bench.DecisionBenchmark;
# JMH prints its table and writes policy-server/target/bench/decision-jmh.json. ~15 minutes with
# the defaults (2 forks x 10 iterations x 2 s x 12 cases).
#
#   policy-server/bench/run-decision-jmh.sh [-Dbench.KEY=VALUE ...]
#
# Keys (see DecisionBenchmark's javadoc): bench.policies=1,200,2000  bench.modes=full,sliced,service,cached
# bench.forks=2  bench.warmup=5  bench.iterations=5  bench.time=2  bench.threads=1.
# bench.engines=java,native: the evaluator(s) of sliced, service and cached (full is always native).
# A quick check that it works: -Dbench.forks=1 -Dbench.warmup=1 -Dbench.iterations=1 -Dbench.time=1
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail
BENCH_MODULE=policy-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -Dbench.out="$OUT" "$@" \
  -cp "$CP" io.meshid.policy.bench.DecisionBenchmark
