package io.meshid.identity.jwt;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Writes the JSON of a token's header or claims, compactly, as UTF-8: objects (string keys),
 * arrays, strings, integral and finite numbers, booleans and null; what nimbus's
 * {@code JWTClaimsSet.toJSONObject()} holds for meshid's claims. Strings are escaped as RFC 8259
 * requires ({@code "}, {@code \} and every control character below U+0020), plus U+007F, U+2028
 * and U+2029; other characters are written as they are, in UTF-8. Anything else (a {@code Date},
 * a {@code URI}, a NaN) is refused with the claim's name rather than written in some form a
 * verifier might read differently. Stateless and thread-safe.
 */
final class JsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonWriter() {
    }

    /** The UTF-8 JSON of {@code object}. */
    static byte[] write(Map<String, ?> object) {
        StringBuilder out = new StringBuilder(256);
        object(out, object, "");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void object(StringBuilder out, Map<?, ?> object, String path) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : object.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("claim " + path + ": key " + e.getKey() + " (expected: a string)");
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, key);
            out.append(':');
            value(out, e.getValue(), path.isEmpty() ? key : path + "." + key);
        }
        out.append('}');
    }

    private static void value(StringBuilder out, Object value, String path) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case Boolean b -> out.append(b.booleanValue());
            case Long n -> out.append(n.longValue());
            case Integer n -> out.append(n.intValue());
            case Short n -> out.append(n.shortValue());
            case Byte n -> out.append(n.byteValue());
            case Double d when Double.isFinite(d) -> out.append(d.doubleValue());
            case Float f when Float.isFinite(f) -> out.append(f.floatValue());
            case Map<?, ?> m -> object(out, m, path);
            case Collection<?> c -> {
                out.append('[');
                int i = 0;
                for (Object item : c) {
                    if (i > 0) {
                        out.append(',');
                    }
                    value(out, item, path + "[" + i++ + "]");
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("claim " + path + ": a " + value.getClass().getName()
                    + " (expected: a string, number, boolean, list or object)");
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && c != '\u2028' && c != '\u2029') {
                continue;
            }
            out.append(s, start, i);
            start = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                        .append(HEX[c & 0xf]);
            }
        }
        out.append(s, start, s.length()).append('"');
    }
}
