package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
import java.util.Optional;

/**
 * Told of every call that {@link CallerIdentityInterceptor} refuses ({@code UNAUTHENTICATED}: no,
 * an expired, a rotated-out or a refused client SVID) before the call is closed, so that such
 * refusals reach the audit trail like every other denial. Every bean of this type is told.
 *
 * <p>Runs on the transport's event loop for calls that run inline: implementations must not block
 * or throw. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface CallRefusalListener {

    /**
     * A call was refused.
     *
     * @param method  the full gRPC method name
     * @param claimed the SPIFFE ID the presented certificate names, if any (not verified: it may be
     *                the very thing that was refused)
     * @param reason  the refusal sent to the caller
     */
    void refused(String method, Optional<SpiffeId> claimed, String reason);
}
