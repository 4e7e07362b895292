package io.meshid.identity.tokens;

import io.meshid.common.concurrent.SharedPool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The SHA-256 of a compact token: what {@link VerifiedTokenCache} keys on, so that it holds no
 * bearer token. Digests are compared in constant time ({@link MessageDigest#isEqual}). Immutable.
 */
final class TokenDigest {

    private static final SharedPool<MessageDigest> SHA256 = SharedPool.perProcessor(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available (expected in every JDK)", e);
        }
    });

    private final byte[] digest;
    private final int hash;

    private TokenDigest(byte[] digest) {
        this.digest = digest;
        this.hash = Arrays.hashCode(digest);
    }

    /** The digest of {@code token}'s UTF-8 bytes. */
    static TokenDigest of(String token) {
        MessageDigest sha256 = SHA256.borrow();
        byte[] digest = sha256.digest(token.getBytes(StandardCharsets.UTF_8));
        SHA256.release(sha256);
        return new TokenDigest(digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenDigest other && MessageDigest.isEqual(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "TokenDigest[****]";
    }
}
