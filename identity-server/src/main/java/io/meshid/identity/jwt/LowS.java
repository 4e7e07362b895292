package io.meshid.identity.jwt;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The low-S rule for P-256 signatures in the 64-byte JOSE form (r then s, big-endian): of the two
 * valid signatures (r, s) and (r, n − s) of one message, only the one with s ≤ n/2 is meshid's. This
 * makes an ES256 signature non-malleable: nobody can derive a second valid string from a token.
 * Stateless; thread-safe.
 */
final class LowS {

    /** The order n of the P-256 group. */
    static final BigInteger ORDER = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final BigInteger HALF = ORDER.shiftRight(1);
    private static final int HALF_BYTES = 32;

    private LowS() {
    }

    /** Whether the s of {@code signature} (64 bytes) is at most n/2. */
    static boolean isLowS(byte[] signature) {
        return s(signature).compareTo(HALF) <= 0;
    }

    /** {@code signature} with s replaced by n − s when s is above n/2; the same array otherwise. */
    static byte[] normalize(byte[] signature) {
        BigInteger s = s(signature);
        if (s.compareTo(HALF) <= 0) {
            return signature;
        }
        byte[] out = Arrays.copyOf(signature, signature.length);
        byte[] low = ORDER.subtract(s).toByteArray();
        int from = Math.max(0, low.length - HALF_BYTES);
        int len = low.length - from;
        Arrays.fill(out, HALF_BYTES, 2 * HALF_BYTES, (byte) 0);
        System.arraycopy(low, from, out, 2 * HALF_BYTES - len, len);
        return out;
    }

    private static BigInteger s(byte[] signature) {
        return new BigInteger(1, Arrays.copyOfRange(signature, HALF_BYTES, 2 * HALF_BYTES));
    }
}
