package io.meshid.policy.mapping;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.meshid.common.errors.MeshidException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@code RequestContext.attributes} (a protobuf Struct) into Cedar-ready plain values: at
 * most 16 KiB serialized and 8 levels deep (the attributes record is level 1), numbers integral
 * and within ±2^53 (Cedar has no floating point), no nulls, and no record key that Cedar's JSON
 * reserves ({@code __entity}, {@code __extn}, {@code __expr}: Cedar would read the record as an
 * entity, an extension value or an expression, never as data). So attributes hold only strings,
 * booleans, longs, sets and records: never an entity, an extension value or a tag. Thread-safe.
 */
final class Attributes {

    /** Largest serialized size of the attributes. */
    static final int MAX_BYTES = 16 * 1024;
    /** Deepest nesting; the attributes record itself is level 1. */
    static final int MAX_DEPTH = 8;
    private static final double MAX_EXACT = 9_007_199_254_740_992d;
    /** Keys that Cedar reads as escapes in a record, not as fields; refused here, at the door. */
    static final Set<String> RESERVED = Set.of("__entity", "__extn", "__expr");

    private Attributes() {}

    static Map<String, Object> of(Struct attributes) {
        int size = attributes.getSerializedSize();
        if (size > MAX_BYTES) {
            throw new MeshidException.InvalidArgument("context.attributes: " + size + " bytes serialized (expected: at most "
                    + MAX_BYTES + ")");
        }
        return struct("context.attributes", attributes, 1);
    }

    private static Map<String, Object> struct(String where, Struct struct, int depth) {
        if (depth > MAX_DEPTH) {
            throw new MeshidException.InvalidArgument(where + ": nested " + depth + " levels deep (expected: at most " + MAX_DEPTH + ")");
        }
        Map<String, Object> out = new HashMap<>();
        struct.getFieldsMap().forEach((key, value) -> {
            if (RESERVED.contains(key)) {
                throw new MeshidException.InvalidArgument(where + ": the key " + key + " (expected: record keys other than "
                        + "__entity, __extn and __expr, which Cedar's JSON reserves for entity, extension and expression escapes)");
            }
            out.put(key, value(where + "." + Headers.printable(key), value, depth));
        });
        return out;
    }

    private static Object value(String where, Value value, int depth) {
        return switch (value.getKindCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case NUMBER_VALUE -> integer(where, value.getNumberValue());
            case STRUCT_VALUE -> struct(where, value.getStructValue(), depth + 1);
            case LIST_VALUE -> list(where, value.getListValue(), depth + 1);
            case NULL_VALUE, KIND_NOT_SET -> throw new MeshidException.InvalidArgument(where
                    + ": null (expected: a string, boolean, integer, list or record; Cedar has no null)");
        };
    }

    private static List<Object> list(String where, ListValue list, int depth) {
        if (depth > MAX_DEPTH) {
            throw new MeshidException.InvalidArgument(where + ": nested " + depth + " levels deep (expected: at most " + MAX_DEPTH + ")");
        }
        List<Object> out = new ArrayList<>(list.getValuesCount());
        for (int i = 0; i < list.getValuesCount(); i++) {
            out.add(value(where + "[" + i + "]", list.getValues(i), depth));
        }
        return out;
    }

    private static Long integer(String where, double number) {
        if (Double.isNaN(number) || Double.isInfinite(number) || number != Math.rint(number) || Math.abs(number) > MAX_EXACT) {
            throw new MeshidException.InvalidArgument(where + ": " + number
                    + " (expected: an integer within ±2^53; Cedar has no floating point)");
        }
        return (long) number;
    }
}
