#!/usr/bin/env bash
# Thread CPU time per decision (docs/benchmarks.md, "Policy decisions"): the sliced engine and the
# whole uncached decision path at 1, 200 and 2,000 generated policies, with DecisionBenchmark's
# requests. CPU time barely moves when other work shares the cores, so before/after comparisons
# hold on a busy machine (JMH's wall-clock numbers do not). Compiles the policy-server tests, then
# runs io.meshid.policy.bench.DecisionCpuTime. ~1 minute with the defaults.
#
#   policy-server/bench/run-decision-cpu.sh [-Dbench.KEY=VALUE ...]
#
# Keys: bench.policies=1,200,2000  bench.rounds=12  bench.skip=4 (warm-up rounds).
# bench.engine=java|native: meshid's Java evaluator (native for what it cannot decide), or
# cedar-java for every decision (the evaluator before the Java one).
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o); JAVA_OPTS adds JVM options.
set -euo pipefail
BENCH_MODULE=policy-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} "$@" \
  -cp "$CP" io.meshid.policy.bench.DecisionCpuTime
