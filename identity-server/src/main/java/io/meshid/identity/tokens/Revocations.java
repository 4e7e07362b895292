package io.meshid.identity.tokens;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.store.SharedStoreUnavailableException;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * The revoked token ids of every trust domain, in the {@link SharedStore} (Redis across replicas,
 * so a revocation through one replica is seen by every other at its next check), each kept as long
 * as its token could still be accepted. Keys are {@code revoked:jti:<trust-domain>:<jti>}.
 * Thread-safe.
 */
@Singleton
public final class Revocations {

    /** Longest {@code jti} accepted, as the wire's limit. */
    public static final int MAX_JTI = 128;

    private final SharedStore store;

    Revocations(SharedStore store) {
        this.store = store;
    }

    /**
     * Whether {@code jti} of {@code domain} is revoked.
     *
     * @throws MeshidException.Unavailable when the store cannot answer
     */
    public boolean isRevoked(TrustDomain domain, String jti) {
        try {
            return store.contains(key(domain, jti));
        } catch (SharedStoreUnavailableException e) {
            throw new MeshidException.Unavailable("revocation store: " + e.getMessage() + " (the token's revocation state is "
                    + "unknown; retry)", e);
        }
    }

    /**
     * Revokes {@code jti} of {@code domain} for {@code ttl}.
     *
     * @throws MeshidException.Unavailable when the store cannot be written; nothing changed
     */
    public void revoke(TrustDomain domain, String jti, Duration ttl) {
        try {
            store.put(key(domain, jti), "1", ttl);
        } catch (SharedStoreUnavailableException e) {
            throw new MeshidException.Unavailable("revocation store: " + e.getMessage() + " (nothing was revoked; retry)", e);
        }
    }

    private static String key(TrustDomain domain, String jti) {
        return "revoked:jti:" + domain.name() + ":" + jti;
    }
}
