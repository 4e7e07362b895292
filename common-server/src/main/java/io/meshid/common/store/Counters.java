package io.meshid.common.store;

/** The counter arithmetic of {@link SharedStore#increment}, shared by the implementations. */
final class Counters {

    private Counters() {
    }

    /** The count after {@code current}; fails when {@code current} is not a counter. */
    static long next(String key, String current) {
        try {
            return Math.addExact(Long.parseLong(current), 1);
        } catch (NumberFormatException | ArithmeticException e) {
            throw notACounter(key);
        }
    }

    static IllegalStateException notACounter(String key) {
        return new IllegalStateException("key: \"" + key
                + "\" holds a value that is not a counter (expected: a key written only by increment)");
    }
}
