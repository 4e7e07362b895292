package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.Decision;
import java.util.ArrayList;
import java.util.List;

/** Collects what the policies of one decision gave and turns it into a {@link Decision}, as the native path does. */
final class Outcomes {

    private List<String> forbids;
    private List<String> permits;
    private List<String> errors;

    void evaluate(CompiledPolicy[] policies, Env env) {
        for (CompiledPolicy policy : policies) {
            try {
                if (policy.evaluate(env) == CompiledPolicy.Outcome.APPLIES) {
                    if (policy.forbid()) {
                        forbids = add(forbids, policy.id());
                    } else {
                        permits = add(permits, policy.id());
                    }
                }
            } catch (EvalError e) {
                errors = add(errors, policy.id() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Forbids decide when any applies; else permits allow, unless a policy failed (an error
     * denies, with no determining policy, as the native path reports it).
     */
    Decision decision() {
        List<String> failed = errors == null ? List.of() : errors;
        if (forbids != null) {
            return new Decision(false, forbids, failed);
        }
        if (permits != null && failed.isEmpty()) {
            return new Decision(true, permits, List.of());
        }
        return new Decision(false, List.of(), failed);
    }

    private static List<String> add(List<String> list, String id) {
        List<String> out = list == null ? new ArrayList<>(2) : list;
        out.add(id);
        return out;
    }
}
