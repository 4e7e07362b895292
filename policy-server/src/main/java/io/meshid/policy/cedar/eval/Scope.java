package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.EntityRef;
import java.util.List;

/**
 * One constraint of a policy's scope on a request variable: {@code All}, {@code == E}, {@code in
 * E}, {@code in [E1, E2]} (actions), {@code is T} and {@code is T in E}. Template slots are filled
 * before it is built. Never an error: the variables are always entities.
 */
interface Scope {

    boolean matches(EntityRef entity, Env env);

    Scope ALL = (entity, env) -> true;

    record Eq(EntityRef target) implements Scope {
        @Override
        public boolean matches(EntityRef entity, Env env) {
            return entity.equals(target);
        }
    }

    record In(EntityRef target) implements Scope {
        @Override
        public boolean matches(EntityRef entity, Env env) {
            return env.in(entity, target);
        }
    }

    record InAny(List<EntityRef> targets) implements Scope {
        @Override
        public boolean matches(EntityRef entity, Env env) {
            for (EntityRef target : targets) {
                if (env.in(entity, target)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code is type}, and {@code is type in target} when {@code target} is not null. */
    record Is(String type, EntityRef target) implements Scope {
        @Override
        public boolean matches(EntityRef entity, Env env) {
            return entity.type().equals(type) && (target == null || env.in(entity, target));
        }
    }
}
