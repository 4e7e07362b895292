package io.meshid.identity.tokens;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.JwtKeyManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What never changes about a token once it passed the checks that depend on the token alone: its
 * form, {@code alg}, {@code typ}, issuer, signature with {@code key}, and the required claims.
 * What depends on the relying party or on the moment (expected types, trusted trust domains, the
 * key still being published, times, audience, revocation) is not in here and is checked on every
 * use. Immutable.
 *
 * @param typ the header's {@code typ} as it was, for messages
 * @param key the published key whose signature check passed
 */
record CheckedToken(TokenType type, JOSEObjectType typ, String iss, TrustDomain domain, JwtKeyManager.VerificationKey key,
        String subject, Optional<SpiffeId> spiffeId, List<String> audiences, Instant expiresAt, Optional<Instant> notBefore,
        Optional<Instant> issuedAt, String jti, JWTClaimsSet claims) {

    /** Copies the list. */
    CheckedToken {
        audiences = List.copyOf(audiences);
    }

    VerifiedToken verified() {
        return new VerifiedToken(type, domain, subject, spiffeId, audiences, expiresAt, issuedAt, jti, key.kid(), claims);
    }
}
