package io.meshid.policy.cedar.eval;

import java.util.List;

/**
 * One static policy or template link in the Java evaluator's form: its effect, its scope and its
 * conditions ({@code when} bodies as they are, {@code unless} bodies negated), in source order.
 * Immutable and thread-safe.
 */
record CompiledPolicy(String id, boolean forbid, Scope principal, Scope action, Scope resource, List<Expr> conditions) {

    /** What evaluating the policy on one request gave. */
    enum Outcome { SKIPPED, APPLIES }

    /**
     * {@link Outcome#APPLIES} when the scope matches and every condition is true, else {@link
     * Outcome#SKIPPED}; throws {@link EvalError} when a condition fails to evaluate (Cedar
     * evaluates the conditions, joined by {@code &&}, only when the scope matches).
     */
    Outcome evaluate(Env env) {
        if (!principal.matches(env.principal(), env) || !action.matches(env.action(), env)
                || !resource.matches(env.resource(), env)) {
            return Outcome.SKIPPED;
        }
        for (int i = 0; i < conditions.size(); i++) {
            if (!Values.bool(conditions.get(i).eval(env))) {
                return Outcome.SKIPPED;
            }
        }
        return Outcome.APPLIES;
    }
}
