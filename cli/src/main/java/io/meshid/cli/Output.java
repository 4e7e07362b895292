package io.meshid.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's result on standard output: a table for people, or with {@code --json} the reply
 * message in protobuf's JSON mapping with the API's field names (snake_case, as in proto/), which
 * stay stable as the API does. Not thread-safe.
 */
public final class Output {

    private static final com.google.gson.Gson GSON = new com.google.gson.Gson();

    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();

    private final PrintWriter out;
    private final boolean json;

    Output(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    /** Whether JSON was asked for. */
    public boolean json() {
        return json;
    }

    /** Prints {@code message} as JSON. */
    public void json(MessageOrBuilder message) {
        try {
            out.println(JSON.print(message));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print the reply as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Prints a JSON object of meshctl's own, for a command whose rpc returns nothing to print:
     * {@code keysAndValues} alternate names and values (strings, booleans, numbers), in order.
     */
    public void json(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values: " + keysAndValues.length + " items (expected: pairs)");
        }
        com.google.gson.JsonObject object = new com.google.gson.JsonObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.add((String) keysAndValues[i], GSON.toJsonTree(keysAndValues[i + 1]));
        }
        out.println(object);
    }

    /** Prints a line. */
    public void line(String text) {
        out.println(text);
    }

    /** Prints raw text without a newline added. */
    public void raw(String text) {
        out.print(text);
        out.flush();
    }

    /** A table with {@code headers}; rows are added, then {@link Table#print()}. */
    public Table table(String... headers) {
        return new Table(headers);
    }

    /** Prints {@code key: value} lines, keys aligned. */
    public void fields(List<String[]> pairs) {
        int width = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0);
        for (String[] p : pairs) {
            out.println(String.format("%-" + (width + 1) + "s %s", p[0] + ":", p[1]));
        }
    }

    /** An instant as ISO-8601, or "-" when unset. */
    public static String time(Timestamp t) {
        return t.getSeconds() == 0 && t.getNanos() == 0 ? "-" : Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
    }

    /** A duration as ISO-8601, or "-" when unset. */
    public static String duration(Duration d) {
        return d.getSeconds() == 0 && d.getNanos() == 0 ? "-" : java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()).toString();
    }

    /** Rows printed in aligned columns. */
    public final class Table {
        private final String[] headers;
        private final List<String[]> rows = new ArrayList<>();

        private Table(String[] headers) {
            this.headers = headers;
        }

        /** Adds a row; empty cells print as "-". */
        public Table row(String... cells) {
            String[] copy = new String[headers.length];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = i < cells.length && cells[i] != null && !cells[i].isEmpty() ? cells[i] : "-";
            }
            rows.add(copy);
            return this;
        }

        /** Prints the headers and rows. */
        public void print() {
            int[] widths = new int[headers.length];
            for (int i = 0; i < headers.length; i++) {
                widths[i] = headers[i].length();
                for (String[] r : rows) {
                    widths[i] = Math.max(widths[i], r[i].length());
                }
            }
            printRow(headers, widths);
            rows.forEach(r -> printRow(r, widths));
        }

        private void printRow(String[] cells, int[] widths) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                line.append(cells[i]);
                if (i < cells.length - 1) {
                    line.append(" ".repeat(widths[i] - cells[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
