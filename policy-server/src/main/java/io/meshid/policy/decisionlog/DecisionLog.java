package io.meshid.policy.decisionlog;

/**
 * Where decisions go for audit: every deny, a configured sample of allows, and every shadow
 * disagreement. {@link #offer} never blocks and never fails the decision: a record that cannot be
 * queued is dropped and counted. This interface is thread-safe.
 */
public interface DecisionLog {

    /** True when a decision with this outcome should be offered (every deny; allows by sampling). */
    boolean wants(boolean allowed);

    /** Queues {@code record} to be written; drops it (counted) when the queue is full. */
    void offer(DecisionRecord record);
}
