package io.meshid.policy.cedar.eval;

/**
 * A Cedar evaluation error (type error, missing attribute, overflow, ...): the policy being
 * evaluated is skipped and reported with this message, which follows Cedar's own wording. Carries
 * no stack trace: it is an ordinary outcome of evaluation, not a bug.
 */
final class EvalError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    EvalError(String message) {
        super(message, null, false, false);
    }

    static EvalError type(String expected, Object got) {
        return new EvalError("type error: expected " + expected + ", got " + Values.typeName(got));
    }
}
