package io.meshid.policy.cedar;

import com.cedarpolicy.model.policy.PolicySet;
import java.util.BitSet;

/** Evaluates every request against all policies: the reference the sliced evaluator must equal. */
final class FullEvaluator implements PolicyEngine {

    private final BitSet all;
    private final ThreadSlices sets;

    FullEvaluator(CompiledPolicySet policies) {
        this.all = policies.all();
        this.sets = new ThreadSlices(1, policies::policySet);
    }

    @Override
    public Decision decide(DecisionRequest request) {
        PolicySet set = sets.get(all);
        return CedarCalls.decide(request, set);
    }
}
