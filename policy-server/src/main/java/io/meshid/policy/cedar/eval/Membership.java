package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The hierarchy and set operators: {@code in}, {@code is}, set literals and the set methods. */
final class Membership {

    private Membership() {}

    /** {@code left in right}: right is an entity or a set of entities. */
    record In(Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            return in(env, a, right.eval(env));
        }

        static boolean in(Env env, Object a, Object b) {
            EntityRef child = Values.entity(a);
            if (b instanceof EntityRef ancestor) {
                return env.in(child, ancestor);
            }
            if (!(b instanceof Set<?> set)) {
                throw EvalError.type("one of [set, (entity of type `any_entity_type`)]", b);
            }
            Object notEntity = null;
            for (Object item : set) {
                if (!(item instanceof EntityRef) && (notEntity == null || Values.rank(item) < Values.rank(notEntity))) {
                    notEntity = item;
                }
            }
            if (notEntity != null) {
                // Cedar checks the elements in its set order (by kind first), so it names the first kind.
                Values.entity(notEntity);
            }
            for (Object item : set) {
                if (env.in(child, (EntityRef) item)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code left is Type}, and {@code left is Type in right} when {@code in} is not null. */
    record Is(Expr left, String type, Expr in) implements Expr {
        @Override
        public Object eval(Env env) {
            EntityRef entity = Values.entity(left.eval(env));
            if (!entity.type().equals(type)) {
                return false;
            }
            return in == null || In.in(env, entity, in.eval(env));
        }
    }

    record SetLit(List<Expr> items) implements Expr {
        @Override
        public Object eval(Env env) {
            List<Object> values = new ArrayList<>(items.size());
            for (Expr item : items) {
                values.add(item.eval(env));
            }
            return Set.copyOf(values);
        }
    }

    record Contains(Expr left, Expr right) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            Object b = right.eval(env);
            return Values.set(a).contains(b);
        }
    }

    /** {@code containsAll} ({@code all}) or {@code containsAny}. */
    record ContainsSet(Expr left, Expr right, boolean all) implements Expr {
        @Override
        public Object eval(Env env) {
            Object a = left.eval(env);
            Object b = right.eval(env);
            Set<?> container = Values.set(a);
            Set<?> wanted = Values.set(b);
            for (Object item : wanted) {
                if (container.contains(item) != all) {
                    return !all;
                }
            }
            return all;
        }
    }

    record IsEmpty(Expr arg) implements Expr {
        @Override
        public Object eval(Env env) {
            return Values.set(arg.eval(env)).isEmpty();
        }
    }
}
