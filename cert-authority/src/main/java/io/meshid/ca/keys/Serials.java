package io.meshid.ca.keys;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Certificate serial numbers: 136 bits with the top bit set, so every serial is exactly 17 bytes
 * of which 135 bits are random (the issue and the CA/Browser Forum ask for at least 64; SPIRE
 * uses 128). RFC 5280 allows 20 octets. Thread-safe.
 */
public final class Serials {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Serials() {
    }

    /** A new random serial. */
    public static BigInteger next() {
        byte[] bytes = new byte[17];
        RANDOM.nextBytes(bytes);
        bytes[0] |= (byte) 0x80;
        return new BigInteger(1, bytes);
    }

    /** The lowercase hex form used in the journal and on the wire. */
    public static String hex(BigInteger serial) {
        return HexFormat.of().formatHex(serial.toByteArray()).replaceFirst("^(00)+(?=.)", "");
    }
}
