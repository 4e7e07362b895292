package io.meshid.policy.validation;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import java.util.Set;

/**
 * How deeply a Cedar text can nest, read without parsing it: brackets ({@code ( [ {}) open at
 * once, and per statement the {@code if} expressions and the operators (each of which can add a
 * level to the expression tree: {@code && || == != < <= > >= + - * . !} and {@code in has like
 * is}), outside string literals and {@code //} comments.
 *
 * <p>Why this exists: cedar-java's native parser and evaluator recurse on the expression tree in
 * Rust, where running out of stack is not an error but the end of the process (a segmentation
 * fault of the whole policy-server; measured on a thread with the default 1 MiB stack: 100
 * nested parentheses, an {@code &&} chain of 10,000 terms or 1,000 nested {@code if} kill it, while
 * 64 parentheses, 1,000 terms and 200 {@code if} parse and evaluate). So the depth of the tree is
 * bounded before any native call sees the text, with room for any policy a person writes, and
 * whatever parses natively at put time can be parsed again and evaluated on the threads that
 * decide. Parsing for validation and compilation also runs on a large stack ({@code CedarStack}),
 * in case a shape these bounds miss goes deeper than measured.
 * Thread-safe (stateless).
 */
final class Nesting {

    /** Most brackets open at once in a policy or template. */
    static final int MAX_POLICY_BRACKETS = 32;
    /** Most {@code if} expressions in one policy or template. */
    static final int MAX_POLICY_IFS = 64;
    /** Most operators in one policy or template. */
    static final int MAX_POLICY_OPERATORS = 1_000;
    /** Most brackets open at once in a schema (JSON or Cedar syntax: nested record types). */
    static final int MAX_SCHEMA_BRACKETS = 64;

    private static final String OPERATOR_CHARS = "&|=!<>+-*.";
    private static final Set<String> OPERATOR_WORDS = Set.of("in", "has", "like", "is");

    private Nesting() {
    }

    /** Throws {@link InvalidArgument} naming {@code field}, line and column where {@code text} nests beyond the bounds. */
    static void check(String field, String text, int maxBrackets, int maxIfs, int maxOperators) {
        int depth = 0;
        int ifs = 0;
        int operators = 0;
        int line = 1;
        int lineStart = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                lineStart = i + 1;
                i++;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int end = PolicyText.endOfString(text, i);
                for (int j = i; j < end; j++) {
                    if (text.charAt(j) == '\n') {
                        line++;
                        lineStart = j + 1;
                    }
                }
                i = end;
            } else if (c == '(' || c == '[' || c == '{') {
                if (++depth > maxBrackets) {
                    throw refusal(field, line, i - lineStart + 1, "brackets nested " + depth + " deep", maxBrackets + " open at once");
                }
                i++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
                i++;
            } else if (c == ';') {
                ifs = 0;
                operators = 0;
                i++;
            } else if (isWord(text, i, "if")) {
                if (++ifs > maxIfs) {
                    throw refusal(field, line, i - lineStart + 1, ifs + " if expressions in one statement", maxIfs);
                }
                i += 2;
            } else if (Character.isJavaIdentifierPart(c)) {
                int start = i;
                while (i < n && Character.isJavaIdentifierPart(text.charAt(i))) {
                    i++;
                }
                if (OPERATOR_WORDS.contains(text.substring(start, i)) && ++operators > maxOperators) {
                    throw refusal(field, line, start - lineStart + 1, operators + " operators in one statement", maxOperators);
                }
            } else if (OPERATOR_CHARS.indexOf(c) >= 0) {
                if (++operators > maxOperators) {
                    throw refusal(field, line, i - lineStart + 1, operators + " operators in one statement", maxOperators);
                }
                boolean pair = i + 1 < n && (text.charAt(i + 1) == '=' || (c == '&' || c == '|') && text.charAt(i + 1) == c);
                i += pair ? 2 : 1;
            } else {
                i++;
            }
        }
    }

    private static boolean isWord(String text, int at, String word) {
        int end = at + word.length();
        return text.startsWith(word, at) && (end == text.length() || !Character.isJavaIdentifierPart(text.charAt(end)));
    }

    private static InvalidArgument refusal(String field, int line, int column, String what, Object bound) {
        return new InvalidArgument(field + ": line " + line + ", column " + column + ": " + what + " (expected: at most " + bound
                + "; Cedar's native parser cannot take deeper nesting safely)");
    }
}
