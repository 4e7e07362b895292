package io.meshid.identity.jwt;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random token ids: 128 bits, base64url. Each thread draws from its own NIST SP 800-90A
 * {@code Hash_DRBG} (SHA-256, 128-bit security strength), which the JDK seeds from the operating
 * system's entropy when the thread first asks, and reseeds on its own schedule. The shared
 * {@code NativePRNG} cost a read of {@code /dev/urandom} under one global lock per id; a DRBG
 * per thread costs a hash and no lock. An id is unguessable to anyone who does not hold the
 * DRBG's internal state, which never leaves this process. Thread-safe.
 */
final class Jtis {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Jtis::drbg);

    private Jtis() {
    }

    /** A fresh id. */
    static String next() {
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        return B64.encodeToString(bytes);
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG", DrbgParameters.instantiation(128, DrbgParameters.Capability.RESEED_ONLY, null));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's DRBG SecureRandom is not available (expected in every JDK since 9)", e);
        }
    }
}
