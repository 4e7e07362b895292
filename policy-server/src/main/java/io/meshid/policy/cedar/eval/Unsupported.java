package io.meshid.policy.cedar.eval;

/**
 * Thrown while compiling a policy that uses a part of Cedar the Java evaluator does not implement
 * (an extension function, tags, an unknown node): that policy is left to the native engine.
 */
final class Unsupported extends RuntimeException {

    private static final long serialVersionUID = 1L;

    Unsupported(String what) {
        super(what, null, false, false);
    }
}
