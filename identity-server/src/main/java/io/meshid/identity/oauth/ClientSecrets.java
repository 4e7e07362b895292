package io.meshid.identity.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Client secrets: generated, never chosen (32 bytes from {@link SecureRandom}, base64url), and
 * stored only as their SHA-256. A slow password hash (bcrypt, Argon2, PBKDF2) defends
 * low-entropy human passwords against guessing after a database leak; a 256-bit random secret
 * cannot be guessed whatever the hash, so one SHA-256 (about a microsecond) gives the same
 * protection without making every token request cost tens of milliseconds of CPU (see
 * docs/oauth.md). Comparison is in constant time. Thread-safe.
 */
final class ClientSecrets {

    static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Never used itself, only cloned: a MessageDigest is not thread-safe. */
    private static final MessageDigest SHA256 = sha256();

    private ClientSecrets() {
    }

    /** A new secret, shown once to the admin. */
    static String generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The stored form: lowercase hex SHA-256 of the secret's UTF-8 bytes. */
    static String hash(String secret) {
        return HexFormat.of().formatHex(digest(secret));
    }

    /** Whether {@code presented} hashes to {@code storedHex}, compared in constant time. */
    static boolean matches(String presented, String storedHex) {
        if (storedHex == null || storedHex.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(digest(presented), HexFormat.of().parseHex(storedHex));
    }

    private static byte[] digest(String s) {
        try {
            // A clone of a ready instance skips getInstance's provider look-up on every token request.
            return ((MessageDigest) SHA256.clone()).digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 of this JDK cannot be cloned", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
