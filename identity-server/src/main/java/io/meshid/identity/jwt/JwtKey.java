package io.meshid.identity.jwt;

import com.nimbusds.jose.jwk.ECKey;
import io.meshid.common.spiffe.TrustDomain;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.util.Optional;

/**
 * One JWT signing key of a trust domain and where it is in its life. Immutable.
 *
 * @param kid the key id: the RFC 7638 thumbprint of the public key
 * @param publicJwk the public ES256 key as a JWK, with {@code kid}, {@code alg} and {@code use}
 * @param privateKey its private half, in memory and, sealed, in the database
 * @param notAfter the last instant any token this key signs may be valid; it is in the JWKS
 *     until then plus the clock skew
 */
record JwtKey(String kid, TrustDomain trustDomain, State state, ECKey publicJwk, ECPrivateKey privateKey, Instant createdAt, Instant notAfter,
        Optional<Instant> activatedAt, Optional<Instant> stoppedAt) {

    /** Where a key is in its life. */
    enum State {
        /** In the JWKS, not signing yet. */
        PREPARED,
        /** In the JWKS and signing new tokens; one per trust domain. */
        ACTIVE,
        /** In the JWKS, no longer signing; its tokens are still alive. */
        PUBLISHED,
        /** Gone from the JWKS; every token it signed has expired. */
        RETIRED
    }

    @Override
    public String toString() {
        return "JwtKey[" + kid + ", " + trustDomain + ", " + state + ", notAfter " + notAfter + ", private key ****]";
    }

    JwtKey withState(State next, Instant at) {
        return switch (next) {
            case ACTIVE -> new JwtKey(kid, trustDomain, next, publicJwk, privateKey, createdAt, notAfter, Optional.of(at), stoppedAt);
            case PUBLISHED -> new JwtKey(kid, trustDomain, next, publicJwk, privateKey, createdAt, notAfter, activatedAt, Optional.of(at));
            default -> new JwtKey(kid, trustDomain, next, publicJwk, privateKey, createdAt, notAfter, activatedAt, stoppedAt);
        };
    }

    /** Whether this key is in the JWKS at {@code now}. */
    boolean published(Instant now) {
        return state != State.RETIRED && now.isBefore(notAfter.plus(JwtKeyPolicy.CLOCK_SKEW));
    }
}
