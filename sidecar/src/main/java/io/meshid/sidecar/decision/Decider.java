package io.meshid.sidecar.decision;

import java.util.concurrent.CompletionStage;

/**
 * Decides inbound requests. The stage never completes exceptionally: whatever keeps a decision
 * from being had is a deny (unknown means deny). Implementations are thread-safe.
 */
public interface Decider extends AutoCloseable {

    /**
     * Decides {@code input}; {@code requestId} goes to policy-server for its audit trail. The stage
     * may be shared between calls (a cached decision's): callers read it and never complete it.
     */
    CompletionStage<Verdict> decide(CheckInput input, String requestId);

    @Override
    void close();
}
