package io.meshid.identity.jwt;

import io.meshid.common.random.ThreadRandom;
import java.util.Base64;

/**
 * Random token ids: 128 bits from this thread's DRBG ({@link ThreadRandom}), base64url.
 * Thread-safe.
 */
final class Jtis {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Jtis() {
    }

    /** A fresh id. */
    static String next() {
        return B64.encodeToString(ThreadRandom.bytes(16));
    }
}
