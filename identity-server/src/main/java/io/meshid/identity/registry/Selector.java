package io.meshid.identity.registry;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import java.util.regex.Pattern;

/**
 * One fact about a workload that attestation can establish, such as {@code k8s:ns:payments}.
 * Validated on construction. Immutable; ordered by its text form.
 */
public record Selector(String type, String value) implements Comparable<Selector> {

    private static final Pattern TYPE = Pattern.compile("[a-z0-9_-]{1,64}");
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x7b\\x7d\\x7e]{1,256}");

    /** Checks the type and value. */
    public Selector {
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new InvalidArgument("selector type: '" + printable(type)
                    + "' (expected: 1 to 64 lowercase letters, digits, '_' or '-', such as k8s)");
        }
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new InvalidArgument("selector value: '" + printable(value)
                    + "' (expected: 1 to 256 printable characters without whitespace or '|', such as ns:payments)");
        }
    }

    /** The text form, {@code type:value}. */
    @Override
    public String toString() {
        return type + ":" + value;
    }

    /** Parses the text form. */
    static Selector parse(String text) {
        int colon = text.indexOf(':');
        return new Selector(text.substring(0, Math.max(colon, 0)), text.substring(colon + 1));
    }

    @Override
    public int compareTo(Selector other) {
        return toString().compareTo(other.toString());
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
