package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;

/**
 * Signs meshid's JWTs (JWT-SVIDs, access tokens) with a trust domain's active ES256 key. The
 * issuer sets {@code iss} (the trust domain's issuer), {@code iat}, {@code exp} and, when the
 * claims have none, a random {@code jti}; the header carries {@code alg} = ES256, the
 * {@code kid} and the given {@code typ}. {@code exp} is clamped to the key's {@code notAfter},
 * so no token outlives the key that signed it (and the JWKS keeps the key until then). Callers
 * authorize and check bounds before; this only refuses what no meshid token may be. Implementations
 * are thread-safe.
 */
public interface TokenIssuer {

    /** Signs a token for {@code params}. */
    IssuedToken issue(TokenParams params);

    /**
     * What to sign.
     *
     * @param trustDomain whose key signs it and whose issuer it names
     * @param type the header's {@code typ}: {@link JOSEObjectType#JWT} for a JWT-SVID,
     *     {@code new JOSEObjectType("at+jwt")} for an RFC 9068 access token
     * @param claims the claims besides {@code iss}, {@code iat}, {@code exp} (and {@code jti}, when
     *     absent); {@code sub} and {@code aud} are required
     * @param ttl the wanted lifetime, at most the policy's {@code maxTokenTtl}; shorter if the key
     *     ends sooner
     */
    record TokenParams(TrustDomain trustDomain, JOSEObjectType type, JWTClaimsSet claims, Duration ttl) {
    }

    /**
     * A signed token.
     *
     * @param token the JWS compact serialization
     * @param claims every claim it carries, as signed
     */
    record IssuedToken(String token, String keyId, String jti, Instant issuedAt, Instant expiresAt, JWTClaimsSet claims) {

        @Override
        public String toString() {
            return "IssuedToken[jti=" + jti + ", kid=" + keyId + ", exp=" + expiresAt + ", token=****]";
        }
    }
}
