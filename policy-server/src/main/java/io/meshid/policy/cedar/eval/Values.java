package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cedar values as plain Java objects: {@link Boolean}, {@link Long}, {@link String}, {@link
 * EntityRef} (with a canonical type name), {@code Set<Object>} and {@code Map<String, Object>}
 * (records). Java's {@code equals} on these is Cedar's {@code ==}: values of different types are
 * never equal, sets and records compare by content. Request values come as lists for sets; {@link
 * #cedar} turns them into sets, reusing every part that needs no change.
 */
final class Values {

    private Values() {}

    /** The Cedar form of a checked request value (see {@code DecisionRequest}). */
    static Object cedar(Object raw) {
        return switch (raw) {
            case List<?> list -> {
                List<Object> items = new ArrayList<>(list.size());
                for (Object item : list) {
                    items.add(cedar(item));
                }
                yield Set.copyOf(items);
            }
            case Map<?, ?> map -> record(map);
            default -> raw;
        };
    }

    private static Object record(Map<?, ?> map) {
        Map<String, Object> copy = null;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object value = cedar(entry.getValue());
            if (value != entry.getValue() && copy == null) {
                copy = new LinkedHashMap<>();
                for (Map.Entry<?, ?> before : map.entrySet()) {
                    if (before.getKey().equals(entry.getKey())) {
                        break;
                    }
                    copy.put((String) before.getKey(), before.getValue());
                }
            }
            if (copy != null) {
                copy.put((String) entry.getKey(), value);
            }
        }
        return copy == null ? map : copy;
    }

    /** The type name Cedar's error messages use for {@code value}. */
    static String typeName(Object value) {
        return switch (value) {
            case Boolean b -> "bool";
            case Long l -> "long";
            case String s -> "string";
            case EntityRef e -> "(entity of type `" + e.type() + "`)";
            case Set<?> s -> "set";
            case Map<?, ?> m -> "record";
            default -> value.getClass().getSimpleName();
        };
    }

    /** The position of the value's kind in Cedar's ordering of values: bool, long, string, entity, set, record. */
    static int rank(Object value) {
        return switch (value) {
            case Boolean b -> 0;
            case Long l -> 1;
            case String s -> 2;
            case EntityRef e -> 3;
            case Set<?> s -> 4;
            default -> 5;
        };
    }

    /** An entity as Cedar prints it in messages: {@code Type::"id"}. */
    static String display(EntityRef entity) {
        return entity.type() + "::\"" + entity.id().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static boolean bool(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw EvalError.type("bool", value);
    }

    static long number(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        throw EvalError.type("long", value);
    }

    static String string(Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw EvalError.type("string", value);
    }

    static EntityRef entity(Object value) {
        if (value instanceof EntityRef e) {
            return e;
        }
        throw EvalError.type("(entity of type `any_entity_type`)", value);
    }

    static Set<?> set(Object value) {
        if (value instanceof Set<?> s) {
            return s;
        }
        throw EvalError.type("set", value);
    }
}
