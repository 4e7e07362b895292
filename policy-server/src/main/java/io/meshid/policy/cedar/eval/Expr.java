package io.meshid.policy.cedar.eval;

/**
 * A compiled Cedar expression: evaluates to a Cedar value ({@link Boolean}, {@link Long}, {@link
 * String}, {@link io.meshid.policy.cedar.EntityRef}, {@code Set<Object>} or {@code Map<String,
 * Object>}) or throws {@link EvalError}, as Cedar's own evaluator would. Nodes are immutable and
 * thread-safe; all per-request state is in the {@link Env}.
 */
interface Expr {

    Object eval(Env env);
}
