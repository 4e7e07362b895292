package io.meshid.identity.exchange;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a verified subject or actor token says, whoever issued it: meshid (a JWT-SVID or an
 * access token, checked by the token core) or a configured external OIDC issuer. Only verified
 * tokens become one of these. Immutable.
 *
 * @param origin      who issued it and what kind of token it is
 * @param issuer      its {@code iss} (empty for a JWT-SVID without one)
 * @param trustDomain the trust domain it belongs to: the issuing one, or the one an external issuer is mapped to
 * @param subject     its {@code sub}, after an external issuer's subject mapping
 * @param audience    its {@code aud}
 * @param scopes      its {@code scope} claim, split on spaces (empty for a JWT-SVID)
 * @param expiresAt   its {@code exp}
 * @param jti         its {@code jti} (empty if it has none), for the audit trail
 * @param act         its {@code act} claim, if any
 * @param mayAct      its {@code may_act} claim, if any
 */
public record PresentedToken(Origin origin, String issuer, TrustDomain trustDomain, String subject, List<String> audience,
        List<String> scopes, Instant expiresAt, String jti, Optional<Map<String, Object>> act,
        Optional<Map<String, Object>> mayAct) {

    /** Who issued a token, and its kind. */
    public enum Origin {
        /** A meshid JWT-SVID. */
        JWT_SVID,
        /** A meshid RFC 9068 access token. */
        ACCESS_TOKEN,
        /** A configured external OIDC issuer. */
        EXTERNAL
    }

    /** Copies the collections. */
    public PresentedToken {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(expiresAt, "expiresAt");
        issuer = issuer == null ? "" : issuer;
        jti = jti == null ? "" : jti;
        audience = List.copyOf(audience);
        scopes = List.copyOf(scopes);
        act = act.map(Map::copyOf);
        mayAct = mayAct.map(Map::copyOf);
    }
}
