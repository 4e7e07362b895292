package io.meshid.policy.cedar;

import io.meshid.policy.cedar.eval.JavaPolicySet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides with meshid's Java evaluator ({@link JavaPolicySet}) where it can, and with the native
 * sliced engine otherwise: for a request whose slice holds a policy outside the supported subset,
 * or a request whose input only the native engine can judge. The native engine, and its
 * pooled cached slices, is only touched by such requests. Thread-safe, on any thread.
 */
final class JavaSlicedEvaluator implements PolicyEngine {

    private static final Logger LOG = LoggerFactory.getLogger(JavaSlicedEvaluator.class);

    private final JavaPolicySet policies;
    private final PolicyEngine fallback;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    JavaSlicedEvaluator(JavaPolicySet policies, PolicyEngine fallback) {
        this.policies = policies;
        this.fallback = fallback;
    }

    @Override
    public Decision decide(DecisionRequest request) {
        Decision decision;
        try {
            decision = policies.decide(request);
        } catch (StackOverflowError e) {
            // Input nested beyond what the thread's stack can walk: refused, never guessed at.
            return Decision.denyWithError("request: nested too deeply to evaluate (expected: records, sets and policies"
                    + " nested at most a few hundred levels)");
        } catch (RuntimeException e) {
            // A bug in the Java evaluator must not decide: Cedar itself answers.
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("policy decisions: the Java evaluator failed ({}); this and such requests are decided natively", e.toString());
            }
            decision = null;
        }
        return decision != null ? decision : fallback.decide(request);
    }

    /** Frees the native cache of the sets idle in the fallback's pool ({@link PooledSlices#release}). */
    void releaseCachedSets() {
        if (fallback instanceof SlicedEvaluator sliced) {
            sliced.releaseCachedSets();
        }
    }
}
