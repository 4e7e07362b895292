package io.meshid.common.authz;

import io.meshid.common.spiffe.SpiffeId;

/**
 * Which callers are {@link CallerClass#SIGNER}s on this server. A server provides at most one bean
 * of this type; without one nobody is a signer. Implementations are thread-safe and cheap (asked
 * on the call path, possibly on the event loop).
 */
@FunctionalInterface
public interface SignerIdentities {

    /** Whether {@code caller} is a signer (by its SPIFFE ID alone; scoping to a trust domain is the domain's). */
    boolean isSigner(SpiffeId caller);
}
