package io.meshid.identity.exchange;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the exchange rules decided the new token is: everything but its signature, its
 * {@code iss} and its {@code jti}. Immutable.
 *
 * @param trustDomain whose key signs it
 * @param type        access token ({@code at+jwt}) or JWT-SVID-shaped
 * @param kind        whose token it is: the caller's own, delegation or impersonation
 * @param subject     its {@code sub}: the subject token's
 * @param audience    its {@code aud}
 * @param scopes      its {@code scope} (access tokens only; empty for a JWT-SVID-shaped token)
 * @param act         its {@code act}, nested when the subject token had one
 * @param clientId    its {@code client_id} (RFC 9068): the caller
 * @param issuedAt    its {@code iat}
 * @param expiresAt   its {@code exp}: never after the subject's or the actor's
 * @param grantedBy   what allowed the exchange, for the audit trail
 */
public record ExchangePlan(TrustDomain trustDomain, TokenTypeUri type, Kind kind, String subject, List<String> audience, List<String> scopes,
        Optional<Map<String, Object>> act, String clientId, Instant issuedAt, Instant expiresAt, String grantedBy) {

    /** Whose token the new one is. */
    public enum Kind {
        /** The caller's own token, re-issued: {@code sub} is the caller. */
        OWN,
        /** The caller acts for the subject: {@code act.sub} is the caller. */
        DELEGATION,
        /** The caller becomes the subject, through a rule marked {@code impersonate}. */
        IMPERSONATION
    }

    /** Copies the collections. */
    public ExchangePlan {
        audience = List.copyOf(audience);
        scopes = List.copyOf(scopes);
    }
}
