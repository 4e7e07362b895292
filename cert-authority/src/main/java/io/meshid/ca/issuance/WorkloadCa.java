package io.meshid.ca.issuance;

import java.util.concurrent.CompletableFuture;

/**
 * The CA's signing contract, as SPIRE's {@code ServerCA}: one domain method that the gRPC adapter
 * (and, in dev, the CA itself) calls. Implementations are thread-safe.
 */
public interface WorkloadCa {

    /**
     * Checks the CSR and the request, signs a leaf with the active intermediate, and records it in
     * the issuance journal before returning.
     *
     * @throws io.meshid.common.errors.MeshidException.InvalidArgument when the CSR or the request
     *     breaks a rule; nothing is signed or journaled
     */
    IssuedX509Svid signX509Svid(X509SvidParams params);

    /**
     * The same, for a server that answers when the journal line is committed without holding a
     * thread meanwhile: checking and signing happen before this returns (and throw as above); the
     * future completes once the line is durable, or fails with
     * {@link io.meshid.common.errors.MeshidException.Unavailable}.
     */
    CompletableFuture<IssuedX509Svid> signX509SvidAsync(X509SvidParams params);
}
