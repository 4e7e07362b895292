package io.meshid.policy.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Cedar policies text into its statements, one per policy, at each {@code ;} outside
 * string literals and {@code //} comments, so that every policy is parsed (and its errors
 * reported) on its own and positions map back into the whole text. Whitespace and comments
 * between statements belong to none; text after the last {@code ;} is a statement of its own
 * (which then fails to parse). Thread-safe (stateless).
 */
public final class PolicyText {

    /** One statement: its text and where it starts and ends (char indexes into the whole text). */
    public record Statement(String text, int start, int end) {
    }

    private PolicyText() {
    }

    /** The statements of {@code text}, in order. */
    public static List<Statement> split(String text) {
        List<Statement> out = new ArrayList<>();
        int start = -1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (start < 0) {
                start = i;
            }
            if (c == '"') {
                i = endOfString(text, i);
                continue;
            }
            i++;
            if (c == ';') {
                out.add(new Statement(text.substring(start, i), start, i));
                start = -1;
            }
        }
        if (start >= 0) {
            out.add(new Statement(text.substring(start), start, n));
        }
        return out;
    }

    /** The index just after the string literal that opens at {@code open} (or the end of the text). */
    static int endOfString(String text, int open) {
        int i = open + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            i++;
            if (c == '"') {
                return i;
            }
        }
        return text.length();
    }
}
