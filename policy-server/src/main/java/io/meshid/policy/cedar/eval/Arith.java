package io.meshid.policy.cedar.eval;

/** Equality, comparison and arithmetic on longs; overflow is an error, as in Cedar. */
final class Arith {

    private Arith() {}

    /** {@code ==} ({@code negate} for {@code !=}): never an error, values of different types differ. */
    record Eq(Expr left, Expr right, boolean negate) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            Object b = right.eval(env);
            return a.equals(b) != negate;
        }
    }

    enum CompareOp { LT, LE, GT, GE }

    record Compare(CompareOp op, Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            Object b = right.eval(env);
            if (!(a instanceof Long) && !(b instanceof Long)) {
                // Cedar also orders datetimes and durations, and names them when neither side is a long.
                throw EvalError.type("one of [long, datetime, duration]", a);
            }
            long x = Values.number(a);
            long y = Values.number(b);
            return switch (op) {
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
            };
        }
    }

    enum ArithOp { ADD, SUB, MUL }

    record Binary(ArithOp op, Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            Object b = right.eval(env);
            long x = Values.number(a);
            long y = Values.number(b);
            try {
                return switch (op) {
                    case ADD -> Math.addExact(x, y);
                    case SUB -> Math.subtractExact(x, y);
                    case MUL -> Math.multiplyExact(x, y);
                };
            } catch (ArithmeticException e) {
                String verb = switch (op) {
                    case ADD -> "add";
                    case SUB -> "subtract";
                    case MUL -> "multiply";
                };
                throw new EvalError("integer overflow while attempting to " + verb + " the values `" + x + "` and `" + y + "`");
            }
        }
    }

    record Neg(Expr arg) implements Expr {
        @Override
        public Object eval(Env env) {
            long x = Values.number(arg.eval(env));
            if (x == Long.MIN_VALUE) {
                throw new EvalError("integer overflow while attempting to negate the value `" + x + "`");
            }
            return -x;
        }
    }
}
