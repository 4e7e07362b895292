package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenVerifier;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Days of key rotation on a moving clock, with two replicas on one database taking turns: every
 * token minted verifies, for its whole life, against every JWKS published from one refresh hint
 * before it was minted until it expired; no token outlives its key; the replicas agree on the
 * keys; keys come and go on the schedule.
 */
class JwtKeyRotationTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("rot.test");
    private static final Duration STEP = Duration.ofMinutes(7);

    private record Minted(TokenIssuer.IssuedToken token, Instant at) {
    }

    @Test
    void threeDaysOfRotation_everyTokenVerifiesAgainstEveryJwksOfItsLife() throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
        TestDatabase db = TestDatabase.h2();
        Map<String, Object> p = JwtTestContexts.properties(db, "rot.test");
        p.put("meshid.identity.jwt.key-ttl", "PT6H");
        p.put("meshid.identity.jwt.publish-lead", "PT15M");
        p.put("meshid.identity.jwt.max-token-ttl", "PT1H");
        p.put("meshid.identity.jwt.jwks-refresh-hint", "PT5M");
        try (ApplicationContext a = JwtTestContexts.start(p, clock); ApplicationContext b = JwtTestContexts.start(p, clock)) {
            List<ApplicationContext> replicas = List.of(a, b);
            TreeMap<Instant, JWKSet> published = new TreeMap<>();
            List<Minted> minted = new ArrayList<>();
            Set<String> kids = new HashSet<>();
            Instant start = clock.instant();
            int step = 0;
            while (clock.instant().isBefore(start.plus(Duration.ofDays(3)))) {
                ApplicationContext replica = replicas.get(step++ % 2);
                JwtKeyManager keys = replica.getBean(JwtKeyManager.class);
                TokenIssuer.IssuedToken t = replica.getBean(TokenIssuer.class).issue(new TokenIssuer.TokenParams(DOMAIN,
                        JOSEObjectType.JWT, new JWTClaimsSet.Builder().subject("spiffe://rot.test/w").audience("aud").build(),
                        Duration.ofHours(1)));
                minted.add(new Minted(t, clock.instant()));
                kids.add(t.keyId());
                a.getBean(JwtKeyManager.class).tick(DOMAIN);
                b.getBean(JwtKeyManager.class).tick(DOMAIN);
                Jwks fromA = a.getBean(JwtKeyManager.class).jwks(DOMAIN);
                assertThat(b.getBean(JwtKeyManager.class).jwks(DOMAIN).keyIds()).as("replicas agree at %s", clock.instant())
                        .isEqualTo(fromA.keyIds());
                assertThat(fromA.keyIds()).hasSizeBetween(1, 3);
                published.put(clock.instant(), JWKSet.parse(keys.jwks(DOMAIN).json()));

                TokenVerifier verifier = replica.getBean(TokenVerifier.class);
                for (Minted m : minted) {
                    assertThat(m.token().expiresAt()).isBeforeOrEqualTo(m.at().plus(Duration.ofHours(1)));
                    if (!clock.instant().isAfter(m.token().expiresAt())) {
                        TokenCheck check = verifier.verify(m.token().token(), TokenVerifier.Expectations.anyType(DOMAIN, "aud"));
                        assertThat(check.valid()).as("token of %s (kid %s) at %s: %s", m.at(), m.token().keyId(), clock.instant(),
                                check).isTrue();
                    }
                }
                clock.advance(STEP);
            }

            for (Minted m : minted) {
                // What a verifier may have cached when the token was minted (fetched up to one
                // refresh hint before), and every JWKS served until the token expired.
                var cached = published.floorKey(m.at().minus(Duration.ofMinutes(5)));
                Instant from = cached == null ? start : cached;
                for (var entry : published.subMap(from, true, m.token().expiresAt(), true).entrySet()) {
                    ECKey key = (ECKey) entry.getValue().getKeyByKeyId(m.token().keyId());
                    assertThat(key).as("kid %s (minted %s) in the JWKS of %s", m.token().keyId(), m.at(), entry.getKey()).isNotNull();
                    assertThat(SignedJWT.parse(m.token().token()).verify(new ECDSAVerifier(key))).isTrue();
                }
            }
            assertThat(kids).as("a new key every ~5 hours for 3 days").hasSizeBetween(12, 16);
            assertThat(published.lastEntry().getValue().getKeys()).hasSizeLessThanOrEqualTo(3);
        } finally {
            db.close();
        }
    }

    @Test
    void afterAnOutageLongerThanAKey_aFreshKeySigns_andNoTokenOutlivesItsKey() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
        TestDatabase db = TestDatabase.h2();
        Map<String, Object> p = JwtTestContexts.properties(db, "rot.test");
        try (ApplicationContext c = JwtTestContexts.start(p, clock)) {
            TokenIssuer issuer = c.getBean(TokenIssuer.class);
            var params = new TokenIssuer.TokenParams(DOMAIN, JOSEObjectType.JWT,
                    new JWTClaimsSet.Builder().subject("spiffe://rot.test/w").audience("aud").build(), Duration.ofHours(1));
            String first = issuer.issue(params).keyId();

            clock.advance(Duration.ofDays(3));
            TokenIssuer.IssuedToken later = issuer.issue(params);

            assertThat(later.keyId()).isNotEqualTo(first);
            assertThat(c.getBean(JwtKeyManager.class).jwks(DOMAIN).keyIds()).doesNotContain(first).contains(later.keyId());
            assertThat(later.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        } finally {
            db.close();
        }
    }

    @Test
    void aKeyNearItsEnd_clampsTheTokensItSigns() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
        TestDatabase db = TestDatabase.h2();
        Map<String, Object> p = JwtTestContexts.properties(db, "rot.test");
        p.put("meshid.identity.jwt.key-ttl", "PT6H");
        p.put("meshid.identity.jwt.publish-lead", "PT15M");
        try (ApplicationContext c = JwtTestContexts.start(p, clock)) {
            JwtKeyManager keys = c.getBean(JwtKeyManager.class);
            TokenIssuer issuer = c.getBean(TokenIssuer.class);
            var params = new TokenIssuer.TokenParams(DOMAIN, JOSEObjectType.JWT,
                    new JWTClaimsSet.Builder().subject("spiffe://rot.test/w").audience("aud").build(), Duration.ofHours(1));
            TokenIssuer.IssuedToken first = issuer.issue(params);
            // The next key is prepared 1h15m before the end, but may not sign before it has been
            // published for 15 minutes: jump to 50 minutes before the end in one go.
            clock.advance(Duration.ofHours(5).plusMinutes(10));
            keys.tick(DOMAIN);
            String prepared = keys.jwks(DOMAIN).keyIds().stream().filter(k -> !k.equals(first.keyId())).findFirst().orElseThrow();

            TokenIssuer.IssuedToken late = issuer.issue(params);

            assertThat(late.keyId()).isEqualTo(first.keyId());
            assertThat(late.expiresAt()).isEqualTo(Instant.parse("2026-12-01T06:00:00Z"));
            clock.advance(Duration.ofMinutes(15));
            assertThat(issuer.issue(params).keyId()).isEqualTo(prepared);
        } finally {
            db.close();
        }
    }
}
