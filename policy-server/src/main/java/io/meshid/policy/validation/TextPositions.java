package io.meshid.policy.validation;

import java.nio.charset.StandardCharsets;

/**
 * Turns UTF-8 byte offsets into a text (what Cedar reports) into line and column (columns in code
 * points, both from 1). Immutable and thread-safe.
 */
final class TextPositions {

    private final String text;

    TextPositions(String text) {
        this.text = text;
    }

    /** The location of the span {@code [start, end)} in bytes, clamped to the text. */
    ValidationError.Location location(int start, int end) {
        int line = 1;
        int column = 1;
        int bytes = 0;
        int i = 0;
        while (i < text.length() && bytes < start) {
            int cp = text.codePointAt(i);
            bytes += utf8Length(cp);
            if (cp == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            i += Character.charCount(cp);
        }
        return new ValidationError.Location(line, column, bytes, Math.max(0, end - start));
    }

    /** The byte offset of the char index {@code charIndex}. */
    int byteOffset(int charIndex) {
        return text.substring(0, charIndex).getBytes(StandardCharsets.UTF_8).length;
    }

    static int utf8Length(int codePoint) {
        if (codePoint < 0x80) {
            return 1;
        }
        if (codePoint < 0x800) {
            return 2;
        }
        return codePoint < 0x10000 ? 3 : 4;
    }
}
