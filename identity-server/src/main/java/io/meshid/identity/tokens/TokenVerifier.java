package io.meshid.identity.tokens;

import io.meshid.common.spiffe.TrustDomain;
import java.util.Set;

/**
 * Verifies meshid-issued JWTs (JWT-SVIDs and access tokens), in this order: JWS compact form and
 * JSON payload; {@code alg} ES256 ({@code none}, HMAC and every other algorithm are refused);
 * {@code typ} one of meshid's and of the expected types; {@code iss} a trust domain the relying party trusts; {@code kid}
 * in that trust domain's JWKS; the signature; {@code sub}, {@code aud}, {@code exp}, {@code jti}
 * present (and for a JWT-SVID, {@code sub} a SPIFFE ID of the issuing trust domain); {@code exp},
 * {@code nbf}, {@code iat} with a 60 s clock skew; the audience; and the revocation list. The first
 * failed check is the answer. Implementations are thread-safe.
 */
public interface TokenVerifier {

    /**
     * Checks {@code token} against {@code expected}.
     *
     * @throws io.meshid.common.errors.MeshidException.Unavailable when the revocation store cannot
     *     answer (unknown means deny; the caller must not treat the token as valid)
     */
    TokenCheck verify(String token, Expectations expected);

    /**
     * What the relying party expects.
     *
     * @param trusted the trust domains whose tokens it accepts (its own, and later those federated
     *     with it); empty only for {@link #forRevocation()}, meaning any trust domain with keys here
     * @param audiences {@code aud} must contain one of these; empty: not checked (the caller checks)
     * @param types the token types it accepts
     * @param checkTimes whether {@code exp}, {@code nbf} and {@code iat} are checked (revocation of an
     *     expired token skips them)
     * @param checkRevocation whether the revocation list is consulted
     */
    record Expectations(Set<TrustDomain> trusted, Set<String> audiences, Set<TokenType> types, boolean checkTimes,
            boolean checkRevocation) {

        /** Copies the sets. */
        public Expectations {
            trusted = Set.copyOf(trusted);
            audiences = Set.copyOf(audiences);
            types = Set.copyOf(types);
        }

        /**
         * Any meshid token of any trust domain, expired or not, revoked or not: only signature,
         * key and claims are checked. For revocation, which must accept expired tokens (RFC 7009)
         * and authorizes the caller against the token's own trust domain afterwards.
         */
        public static Expectations forRevocation() {
            return new Expectations(Set.of(), Set.of(), Set.of(TokenType.values()), false, false);
        }

        /** A meshid token of one of {@code types}, of {@code domain}, for {@code audience}, unexpired and unrevoked. */
        public static Expectations of(TrustDomain domain, String audience, Set<TokenType> types) {
            if (types.isEmpty()) {
                throw new IllegalArgumentException("types: empty (expected: at least one token type)");
            }
            return new Expectations(Set.of(domain), Set.of(audience), types, true, true);
        }

        /** Any meshid token, of either type, of {@code domain} for {@code audience}, unexpired and unrevoked. */
        public static Expectations anyType(TrustDomain domain, String audience) {
            return of(domain, audience, Set.of(TokenType.values()));
        }
    }
}
