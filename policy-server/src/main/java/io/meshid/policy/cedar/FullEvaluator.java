package io.meshid.policy.cedar;

import java.util.BitSet;

/** Evaluates every request against all policies: the reference the sliced evaluator must equal. */
final class FullEvaluator implements PolicyEngine {

    private final BitSet all;
    private final PooledSlices sets;

    FullEvaluator(CompiledPolicySet policies) {
        this.all = policies.all();
        this.sets = new PooledSlices(1, policies::policySet);
    }

    @Override
    public Decision decide(DecisionRequest request) {
        return sets.apply(all, set -> CedarCalls.decide(request, set));
    }
}
