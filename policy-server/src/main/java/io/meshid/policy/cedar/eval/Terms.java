package io.meshid.policy.cedar.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Leaves and attribute access: literals, the four variables, {@code .attr}, {@code has}, records. */
final class Terms {

    private Terms() {}

    /** A literal value, computed when the policy was compiled. */
    record Lit(Object value) implements Expr {
        @Override
        public Object eval(Env env) {
            return value;
        }
    }

    enum Var implements Expr {
        PRINCIPAL {
            @Override
            public Object eval(Env env) {
                return env.principal();
            }
        },
        ACTION {
            @Override
            public Object eval(Env env) {
                return env.action();
            }
        },
        RESOURCE {
            @Override
            public Object eval(Env env) {
                return env.resource();
            }
        },
        CONTEXT {
            @Override
            public Object eval(Env env) {
                return env.context();
            }
        }
    }

    record GetAttr(Expr target, String name) implements Expr {
        @Override
        public Object eval(Env env) {
            return env.attribute(target.eval(env), name);
        }
    }

    record Has(Expr target, String name) implements Expr {
        @Override
        public Object eval(Env env) {
            return env.has(target.eval(env), name);
        }
    }

    /** A record literal, {@code {a: e1, b: e2}}, its fields evaluated in order. */
    record RecordLit(Map<String, Expr> fields) implements Expr {
        @Override
        public Object eval(Env env) {
            Map<String, Object> record = new LinkedHashMap<>();
            fields.forEach((name, field) -> record.put(name, field.eval(env)));
            return record;
        }
    }
}
