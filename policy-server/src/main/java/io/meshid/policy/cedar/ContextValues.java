package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks and copies the plain Java values that requests carry as context and attributes. */
final class ContextValues {

    private static final int MAX_DEPTH = 16;

    private ContextValues() {}

    static Map<String, Object> checkedRecord(String where, Map<String, ?> record) {
        return checkedMap(where, record, 0);
    }

    private static Map<String, Object> checkedMap(String where, Map<?, ?> map, int depth) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                throw new MeshidException.InvalidArgument(where + ": key " + entry.getKey() + " (expected: a string)");
            }
            copy.put(key, checked(where + "." + key, entry.getValue(), depth + 1));
        }
        return java.util.Collections.unmodifiableMap(copy);
    }

    private static Object checked(String where, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new MeshidException.InvalidArgument(where + ": nested deeper than " + MAX_DEPTH + " (expected: at most "
                    + MAX_DEPTH + " levels)");
        }
        return switch (value) {
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case EntityRef e -> e;
            case List<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    copy.add(checked(where + "[" + i + "]", list.get(i), depth + 1));
                }
                yield java.util.Collections.unmodifiableList(copy);
            }
            case Map<?, ?> map -> checkedMap(where, map, depth);
            case null -> throw new MeshidException.InvalidArgument(where + ": null (expected: a value)");
            default -> throw new MeshidException.InvalidArgument(where + ": a " + value.getClass().getSimpleName()
                    + " (expected: string, boolean, long, entity reference, list or map)");
        };
    }
}
