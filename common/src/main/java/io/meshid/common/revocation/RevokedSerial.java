package io.meshid.common.revocation;

import io.meshid.common.spiffe.TrustDomain;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * One revoked X.509 certificate: its trust domain, its serial number and until when it matters
 * (its {@code notAfter}; after that, path validation refuses it anyway). Immutable.
 *
 * <p>On the shared store's revocation channel it travels as {@code "<trust-domain> <serial hex>
 * <notAfter epoch seconds>"} ({@link #toMessage()}, {@link #parse(String)}).
 */
public record RevokedSerial(TrustDomain trustDomain, BigInteger serial, Instant notAfter) {

    private static final int MAX_SERIAL_HEX = 64;

    /** Validates the parts. */
    public RevokedSerial {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(notAfter, "notAfter");
        if (serial.signum() < 0) {
            throw new IllegalArgumentException("serial: " + serial + " (expected: a non-negative certificate serial)");
        }
    }

    /**
     * A revoked serial given in hex, as the CA's journal writes it.
     *
     * @throws IllegalArgumentException naming the value when it is not 1 to 64 hex digits
     */
    public static RevokedSerial ofHex(TrustDomain trustDomain, String serialHex, Instant notAfter) {
        return new RevokedSerial(trustDomain, parseSerial(serialHex), notAfter);
    }

    /** A serial in hex (1 to 64 digits, any case) as a number. */
    public static BigInteger parseSerial(String serialHex) {
        if (serialHex == null || serialHex.isEmpty() || serialHex.length() > MAX_SERIAL_HEX
                || !serialHex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("serial: '" + (serialHex == null ? "null" : serialHex.length() > 70
                    ? serialHex.substring(0, 70) + "…" : serialHex) + "' (expected: 1 to 64 hex digits)");
        }
        return new BigInteger(serialHex, 16);
    }

    /** The serial in lowercase hex without leading zeros. */
    public String serialHex() {
        return serial.toString(16);
    }

    /** The message form for the shared store's revocation channel. */
    public String toMessage() {
        return trustDomain.name() + " " + serialHex() + " " + notAfter.getEpochSecond();
    }

    /**
     * Reads {@link #toMessage()}'s form.
     *
     * @throws IllegalArgumentException naming what was wrong
     */
    public static RevokedSerial parse(String message) {
        String[] parts = message == null ? new String[0] : message.split(" ", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("revocation message: '" + message
                    + "' (expected: '<trust-domain> <serial hex> <notAfter epoch seconds>')");
        }
        long notAfter;
        try {
            notAfter = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("revocation message: notAfter '" + parts[2] + "' (expected: epoch seconds)");
        }
        return ofHex(TrustDomain.of(parts[0]), parts[1], Instant.ofEpochSecond(notAfter));
    }
}
