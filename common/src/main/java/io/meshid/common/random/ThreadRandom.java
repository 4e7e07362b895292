package io.meshid.common.random;

import io.meshid.common.concurrent.SharedPool;
import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Unpredictable random bytes for the hot paths (token ids, audit event ids): each call draws from a
 * NIST SP 800-90A {@code Hash_DRBG} (SHA-256, 128-bit security strength) that it holds alone for
 * the call, taken from a {@link SharedPool} (so a call on a new virtual thread reuses one instead of
 * seeding a new DRBG); the JDK seeds each DRBG from the operating system's entropy when it is made. The default
 * {@code new SecureRandom()} ({@code NativePRNG}) serves every thread under one lock and mixes in
 * a read of {@code /dev/urandom} per call; a pooled DRBG costs a hash and no contended lock. Output is
 * unguessable to anyone who does not hold the DRBG's internal state, which never leaves the
 * process. Key material keeps its own {@code SecureRandom}. Thread-safe.
 */
public final class ThreadRandom {

    /** The largest Unix time in milliseconds a version 7 UUID can hold (48 bits). */
    static final long MAX_V7_MILLIS = (1L << 48) - 1;
    private static final SharedPool<SecureRandom> RANDOM = SharedPool.perProcessor(ThreadRandom::drbg);

    private ThreadRandom() {
    }

    /** {@code n} fresh random bytes. */
    public static byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        SecureRandom drbg = RANDOM.borrow();
        drbg.nextBytes(bytes);
        RANDOM.release(drbg);
        return bytes;
    }

    /**
     * A time-ordered (version 7, RFC 9562 section 5.7) UUID: {@code epochMillis} (Unix time in
     * milliseconds, 48 bits) first, then 74 random bits from this thread's DRBG. For primary keys
     * that are inserted at a high rate (audit events): ids made close in time sort next to each
     * other, so a B-tree index takes each new key on its rightmost pages instead of on a random page
     * of the whole index (a version 4 key dirties, and after each checkpoint logs whole, one page per
     * insert once the index outgrows the database's buffers). Within a millisecond the order is
     * random; ids stay unguessable and, with 74 random bits, unique. Throws
     * {@link IllegalArgumentException} for a time before 1970 or after the year 10889.
     */
    public static UUID timeOrderedUuid(long epochMillis) {
        if (epochMillis < 0 || epochMillis > MAX_V7_MILLIS) {
            throw new IllegalArgumentException("epochMillis " + epochMillis + " is outside 0.." + MAX_V7_MILLIS
                    + " (a version 7 UUID holds 48 bits of Unix milliseconds)");
        }
        byte[] b = bytes(10);
        long high = epochMillis << 16 | 0x7000 | (b[0] & 0x0f) << 8 | (b[1] & 0xff);
        long low = 0;
        for (int i = 2; i < 10; i++) {
            low = (low << 8) | (b[i] & 0xff);
        }
        return new UUID(high, low & 0x3fff_ffff_ffff_ffffL | 0x8000_0000_0000_0000L);
    }

    /** How many DRBGs were made so far (for tests). */
    static long drbgsMade() {
        return RANDOM.made();
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG", DrbgParameters.instantiation(128, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's DRBG SecureRandom is not available (expected in every JDK since 9)", e);
        }
    }
}
