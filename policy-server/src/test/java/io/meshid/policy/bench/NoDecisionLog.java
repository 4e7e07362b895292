package io.meshid.policy.bench;

import io.meshid.policy.decisionlog.DecisionLog;
import io.meshid.policy.decisionlog.DecisionRecord;

/** A decision log that wants nothing: benchmarks measure decisions, not logging. */
final class NoDecisionLog implements DecisionLog {

    @Override
    public boolean wants(boolean allowed) {
        return false;
    }

    @Override
    public void offer(DecisionRecord record) {
    }
}
