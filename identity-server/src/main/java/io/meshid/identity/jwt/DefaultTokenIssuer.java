package io.meshid.identity.jwt;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.errors.MeshidException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;

/**
 * {@link TokenIssuer} over {@link JwtKeyManager}'s active keys. A token is written directly: the
 * key's cached protected header, the claims as compact JSON (nimbus's {@code JSONObjectUtils}),
 * one ES256 signature with the thread's initialised {@code Signature}; no nimbus
 * {@code SignedJWT}, {@code Payload} or {@code Base64URL} in between. Thread-safe.
 */
@Singleton
final class DefaultTokenIssuer implements TokenIssuer {

    private final JwtKeyManager keys;
    private final Issuers issuers;
    private final Clock clock;

    DefaultTokenIssuer(JwtKeyManager keys, Issuers issuers, Clock clock) {
        this.keys = keys;
        this.issuers = issuers;
        this.clock = clock;
    }

    @Override
    public IssuedToken issue(TokenParams p) {
        Duration max = keys.policy().maxTokenTtl();
        if (p.ttl().isNegative() || p.ttl().isZero() || p.ttl().compareTo(max) > 0) {
            throw new MeshidException.InvalidArgument("ttl: " + p.ttl() + " (expected: between PT1S and " + max + ")");
        }
        if (p.claims().getSubject() == null || p.claims().getAudience().isEmpty()) {
            throw new IllegalArgumentException("a meshid token needs sub and aud");
        }
        JwtKeyManager.SigningKey key = keys.signingKey(p.trustDomain());
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant exp = now.plus(p.ttl());
        if (exp.isAfter(key.notAfter())) {
            exp = key.notAfter().truncatedTo(ChronoUnit.SECONDS);
        }
        String jti = p.claims().getJWTID() != null ? p.claims().getJWTID() : Jtis.next();
        JWTClaimsSet claims = new JWTClaimsSet.Builder(p.claims())
                .issuer(issuers.issuer(p.trustDomain()))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(jti)
                .build();
        // nimbus's own JSON view (dates as seconds, a lone audience as a string) and writer, without a Payload or JWSObject.
        byte[] payload = JSONObjectUtils.toJSONString(claims.toJSONObject()).getBytes(StandardCharsets.UTF_8);
        String token = key.signer().signCompact(key.headers().of(p.type()), payload);
        return new IssuedToken(token, key.kid(), jti, now, exp, claims);
    }
}
