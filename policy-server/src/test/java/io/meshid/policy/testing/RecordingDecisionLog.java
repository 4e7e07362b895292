package io.meshid.policy.testing;

import io.meshid.policy.decisionlog.DecisionLog;
import io.meshid.policy.decisionlog.DecisionRecord;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A DecisionLog that keeps what it is offered: every deny and every allow. */
public final class RecordingDecisionLog implements DecisionLog {

    public final List<DecisionRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public boolean wants(boolean allowed) {
        return true;
    }

    @Override
    public void offer(DecisionRecord record) {
        records.add(record);
    }
}
