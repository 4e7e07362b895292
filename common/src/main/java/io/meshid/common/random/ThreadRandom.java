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

    /** A random (version 4) UUID, as {@link UUID#randomUUID()} makes it, from this thread's DRBG. */
    public static UUID uuid() {
        byte[] b = bytes(16);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (b[i] & 0xff);
            low = (low << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(high, low);
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
