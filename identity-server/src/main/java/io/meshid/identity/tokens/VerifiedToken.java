package io.meshid.identity.tokens;

import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A meshid JWT whose signature, issuer, key, claims and times were checked. Immutable.
 *
 * @param trustDomain the issuing trust domain (from {@code iss})
 * @param subject the {@code sub}: a SPIFFE ID, or an OAuth client id for an access token
 * @param spiffeId the {@code sub} as a SPIFFE ID, when it is one
 * @param audiences the {@code aud} values
 * @param keyId the {@code kid} that verified it
 * @param claims every claim of the payload
 */
public record VerifiedToken(TokenType type, TrustDomain trustDomain, String subject, Optional<SpiffeId> spiffeId,
        List<String> audiences, Instant expiresAt, Optional<Instant> issuedAt, String jti, String keyId, JWTClaimsSet claims) {

    /** Copies the list. */
    public VerifiedToken {
        audiences = List.copyOf(audiences);
    }

    /** The {@code act.sub} of a delegated token, if it has one. */
    public Optional<String> actorSubject() {
        Object act = claims.getClaim("act");
        if (act instanceof java.util.Map<?, ?> map && map.get("sub") instanceof String sub) {
            return Optional.of(sub);
        }
        return Optional.empty();
    }
}
