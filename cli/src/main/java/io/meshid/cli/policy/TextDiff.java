package io.meshid.cli.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff in unified format (hunks with three lines of context), by longest common
 * subsequence. Bounded: files whose line counts multiply past {@value #MAX_CELLS} are reported as
 * differing without hunks. Stateless.
 */
final class TextDiff {

    static final long MAX_CELLS = 16_000_000L;
    private static final int CONTEXT = 3;

    private TextDiff() {
    }

    /** The unified diff of {@code a} and {@code b} under the names given; empty when equal. */
    static String unified(String nameA, String a, String nameB, String b) {
        if (a.equals(b)) {
            return "";
        }
        List<String> x = a.lines().toList();
        List<String> y = b.lines().toList();
        StringBuilder out = new StringBuilder("--- ").append(nameA).append("\n+++ ").append(nameB).append('\n');
        if ((long) x.size() * y.size() > MAX_CELLS) {
            return out.append("(files too large to compare line by line: they differ)\n").toString();
        }
        // ops: ' ' keep, '-' only in a, '+' only in b, in order
        int[][] lcs = new int[x.size() + 1][y.size() + 1];
        for (int i = x.size() - 1; i >= 0; i--) {
            for (int j = y.size() - 1; j >= 0; j--) {
                lcs[i][j] = x.get(i).equals(y.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<char[]> ops = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < x.size() || j < y.size()) {
            if (i < x.size() && j < y.size() && x.get(i).equals(y.get(j))) {
                ops.add(new char[] {' '});
                texts.add(x.get(i));
                i++;
                j++;
            } else if (j < y.size() && (i == x.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                ops.add(new char[] {'+'});
                texts.add(y.get(j));
                j++;
            } else {
                ops.add(new char[] {'-'});
                texts.add(x.get(i));
                i++;
            }
        }
        int k = 0;
        while (k < ops.size()) {
            if (ops.get(k)[0] == ' ') {
                k++;
                continue;
            }
            int from = Math.max(0, k - CONTEXT);
            int to = k;
            int lastChange = k;
            while (to < ops.size() && (ops.get(to)[0] != ' ' || to - lastChange <= 2 * CONTEXT)) {
                if (ops.get(to)[0] != ' ') {
                    lastChange = to;
                }
                to++;
            }
            to = Math.min(ops.size(), lastChange + CONTEXT + 1);
            int startA = 1;
            int startB = 1;
            for (int m = 0; m < from; m++) {
                startA += ops.get(m)[0] != '+' ? 1 : 0;
                startB += ops.get(m)[0] != '-' ? 1 : 0;
            }
            int countA = 0;
            int countB = 0;
            for (int m = from; m < to; m++) {
                countA += ops.get(m)[0] != '+' ? 1 : 0;
                countB += ops.get(m)[0] != '-' ? 1 : 0;
            }
            out.append("@@ -").append(startA).append(',').append(countA).append(" +").append(startB).append(',').append(countB)
                    .append(" @@\n");
            for (int m = from; m < to; m++) {
                out.append(ops.get(m)[0]).append(texts.get(m)).append('\n');
            }
            k = to;
        }
        return out.toString();
    }
}
