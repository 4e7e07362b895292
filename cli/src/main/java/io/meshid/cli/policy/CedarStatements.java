package io.meshid.cli.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Cedar text into its statements at the semicolons that end them, skipping those inside
 * string literals and comments; each statement keeps the comments and annotations before it and
 * where it starts (1-based line and column). Enough to send templates one by one: the server
 * parses them properly. Stateless.
 */
final class CedarStatements {

    /** One statement's text, with its trailing semicolon, and where it starts. */
    record Statement(String text, int line, int column) {
    }

    private CedarStatements() {
    }

    static List<Statement> split(String text) {
        List<Statement> statements = new ArrayList<>();
        int start = -1;
        int startLine = 1;
        int startColumn = 1;
        int line = 1;
        int column = 1;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (start < 0 && !Character.isWhitespace(c)) {
                start = i;
                startLine = line;
                startColumn = column;
            }
            if (inString) {
                if (c == '\\') {
                    i++;
                    column++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
                int end = text.indexOf('\n', i);
                int skipTo = end < 0 ? text.length() : end;
                column += skipTo - i;
                i = skipTo - 1;
                continue;
            } else if (c == ';' && start >= 0) {
                statements.add(new Statement(text.substring(start, i + 1), startLine, startColumn));
                start = -1;
            }
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        if (start >= 0 && !text.substring(start).isBlank() && !onlyComments(text.substring(start))) {
            statements.add(new Statement(text.substring(start), startLine, startColumn));
        }
        return statements;
    }

    private static boolean onlyComments(String rest) {
        return rest.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("//"));
    }
}
