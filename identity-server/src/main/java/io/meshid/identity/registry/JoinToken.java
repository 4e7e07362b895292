package io.meshid.identity.registry;

import java.time.Instant;

/**
 * A join token as created: the secret (shown to the admin once, never stored or logged; only its
 * SHA-256 is kept), the entry it is bound to, and its expiry. {@code toString} masks the secret.
 */
public record JoinToken(String secret, String entryId, Instant expiresAt) {

    @Override
    public String toString() {
        return "JoinToken[secret=****, entryId=" + entryId + ", expiresAt=" + expiresAt + "]";
    }
}
