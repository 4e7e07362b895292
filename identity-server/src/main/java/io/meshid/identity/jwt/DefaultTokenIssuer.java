package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.errors.MeshidException;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;

/** {@link TokenIssuer} over {@link JwtKeyManager}'s active keys. Thread-safe. */
@Singleton
final class DefaultTokenIssuer implements TokenIssuer {

    private static final SecureRandom RANDOM = new SecureRandom();

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
        String jti = p.claims().getJWTID() != null ? p.claims().getJWTID() : newJti();
        JWTClaimsSet claims = new JWTClaimsSet.Builder(p.claims())
                .issuer(issuers.issuer(p.trustDomain()))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(jti)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(p.type()).keyID(key.kid()).build(), claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with JWT key " + key.kid() + " failed", e);
        }
        return new IssuedToken(jwt.serialize(), key.kid(), jti, now, exp, claims);
    }

    private static String newJti() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
