package io.meshid.common.store;

import java.time.Duration;

/** The input limits of {@link SharedStore}, checked the same way by every implementation. */
final class StoreArguments {

    static final int MAX_KEY_LENGTH = 512;
    static final int MAX_VALUE_BYTES = 64 * 1024;
    static final Duration MIN_TTL = Duration.ofMillis(1);
    static final Duration MAX_TTL = Duration.ofDays(30);

    private static final int SHOWN_CHARACTERS = 40;

    private StoreArguments() {
    }

    /** Checks a key or a channel name; {@code what} names the parameter in the message. */
    static String name(String what, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    what + ": " + describe(name) + " (expected: 1 to " + MAX_KEY_LENGTH + " characters)");
        }
        return name;
    }

    /** Checks a value or a message; the message gives its size, never its content. */
    static String value(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(
                    what + ": null (expected: a string of at most " + MAX_VALUE_BYTES + " bytes in UTF-8)");
        }
        // Three bytes per char at most: only long strings need counting.
        long bytes = (long) value.length() * 3 <= MAX_VALUE_BYTES ? value.length() : utf8Length(value);
        if (bytes > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException(
                    what + ": " + bytes + " bytes (expected: at most " + MAX_VALUE_BYTES + " bytes in UTF-8)");
        }
        return value;
    }

    /** Checks a TTL or a window. */
    static Duration ttl(String what, Duration ttl) {
        if (ttl == null || ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException(what + ": " + ttl + " (expected: between PT0.001S and P30D)");
        }
        return ttl;
    }

    private static String describe(String s) {
        if (s == null) {
            return "null";
        }
        if (s.length() <= SHOWN_CHARACTERS) {
            return '"' + s + '"';
        }
        return '"' + s.substring(0, SHOWN_CHARACTERS) + "...\" (" + s.length() + " characters)";
    }

    private static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
