package io.meshid.policy.cedar;

/**
 * Decides requests against one fixed set of Cedar policies.
 *
 * <p>Never throws for a request it cannot evaluate and never allows one: an invalid entity type,
 * a native failure or a policy that errors all give a deny carrying the error. Implementations
 * are thread-safe.
 */
public interface PolicyEngine {

    /** The decision on {@code request}. */
    Decision decide(DecisionRequest request);
}
