package io.meshid.policy.cedar.eval;

/** {@code &&}, {@code ||}, {@code !} and {@code if-then-else}: short-circuit, bool operands only. */
final class Logic {

    private Logic() {}

    record And(Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            return Values.bool(left.eval(env)) ? Values.bool(right.eval(env)) : Boolean.FALSE;
        }
    }

    record Or(Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            return Values.bool(left.eval(env)) ? Boolean.TRUE : Values.bool(right.eval(env));
        }
    }

    record Not(Expr arg) implements Expr {
        @Override
        public Object eval(Env env) {
            return !Values.bool(arg.eval(env));
        }
    }

    record If(Expr test, Expr then, Expr otherwise) implements Expr {
        @Override
        public Object eval(Env env) {
            return Values.bool(test.eval(env)) ? then.eval(env) : otherwise.eval(env);
        }
    }
}
