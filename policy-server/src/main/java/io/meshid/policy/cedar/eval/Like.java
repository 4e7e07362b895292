package io.meshid.policy.cedar.eval;

/**
 * {@code left like pattern}: the pattern as Cedar's JSON form gives it, literal text and
 * wildcards ({@code *} matches any sequence, also the empty one; an escaped {@code \*} is a
 * literal star already). Matches UTF-16 units, which for well-formed strings is the same as
 * matching code points: literal pieces are whole code points.
 */
record Like(Expr left, String[] pieces, boolean leadingWildcard, boolean trailingWildcard) implements Expr {

    @Override
    public Object eval(Env env) {
        return matches(Values.string(left.eval(env)));
    }

    /**
     * Pieces are the literal runs between wildcards. The first must be a prefix unless a wildcard
     * leads, the last a suffix unless one trails, and the others are found greedily left to
     * right: for glob patterns with one kind of wildcard the leftmost match never loses.
     */
    boolean matches(String text) {
        int n = pieces.length;
        if (n == 0) {
            return leadingWildcard || text.isEmpty();
        }
        if (n == 1 && !leadingWildcard && !trailingWildcard) {
            return text.equals(pieces[0]);
        }
        int from = 0;
        int end = text.length();
        int first = 0;
        int last = n - 1;
        if (!leadingWildcard) {
            if (!text.startsWith(pieces[0])) {
                return false;
            }
            from = pieces[0].length();
            first = 1;
        }
        if (!trailingWildcard) {
            String suffix = pieces[last];
            if (end - from < suffix.length() || !text.endsWith(suffix)) {
                return false;
            }
            end -= suffix.length();
            last--;
        }
        for (int i = first; i <= last; i++) {
            int at = text.indexOf(pieces[i], from);
            if (at < 0 || at + pieces[i].length() > end) {
                return false;
            }
            from = at + pieces[i].length();
        }
        return true;
    }
}
