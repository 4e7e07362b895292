package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.Issuers;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.tokens.TokenVerifier.Expectations;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The verified-token cache changes no answer: every token is checked by the application's
 * (cached) verifier twice, so that the second check is a hit when the first passed, and by a
 * verifier without a cache; the three answers are the same, for valid, revoked, expired, tampered,
 * alg none, unknown kid, wrong audience, untrusted and wrong-type tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachedVerificationTest {

    private static final TrustDomain HOME = TrustDomain.of("cache.test");
    private static final String ME = "spiffe://cache.test/ns/shop/sa/api";
    private static final String DB = "spiffe://cache.test/ns/shop/sa/db";

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private TestDatabase db;
    private ApplicationContext context;
    private TokenIssuer issuer;
    private TokenVerifier cached;
    private TokenVerifier uncached;
    private Revocations revocations;

    @BeforeAll
    void start() {
        db = TestDatabase.h2();
        context = JwtTestContexts.start(JwtTestContexts.properties(db, "cache.test"), clock);
        issuer = context.getBean(TokenIssuer.class);
        cached = context.getBean(TokenVerifier.class);
        revocations = context.getBean(Revocations.class);
        uncached = new DefaultTokenVerifier(context.getBean(JwtKeyManager.class), context.getBean(Issuers.class), revocations,
                context.getBean(Clock.class), 0);
    }

    @AfterAll
    void stop() {
        context.close();
        db.close();
    }

    private TokenIssuer.IssuedToken mint(Duration ttl) {
        return issuer.issue(new TokenIssuer.TokenParams(HOME, JOSEObjectType.JWT,
                new JWTClaimsSet.Builder().subject(ME).audience(DB).build(), ttl));
    }

    /** Checks twice with the cache and once without; all three must agree. Returns the answer. */
    private TokenCheck same(String token, Expectations expected) {
        TokenCheck first = cached.verify(token, expected);
        TokenCheck second = cached.verify(token, expected);
        TokenCheck plain = uncached.verify(token, expected);
        assertThat(describe(second)).isEqualTo(describe(first));
        assertThat(describe(plain)).isEqualTo(describe(first));
        return first;
    }

    private static Object describe(TokenCheck check) {
        if (check instanceof TokenCheck.Valid v) {
            VerifiedToken t = v.token();
            return Map.of("type", t.type(), "domain", t.trustDomain(), "sub", t.subject(), "aud", t.audiences(), "exp", t.expiresAt(),
                    "jti", t.jti(), "kid", t.keyId(), "claims", t.claims().toJSONObject(), "spiffe", t.spiffeId().map(Object::toString));
        }
        return check;
    }

    private static Expectations forDb() {
        return Expectations.anyType(HOME, DB);
    }

    private static TokenCheck.Reason reason(TokenCheck check) {
        return check instanceof TokenCheck.Invalid i ? i.reason() : null;
    }

    @Test
    void aValidToken_isTheSameVerifiedToken_fromTheCache() {
        int before = ((DefaultTokenVerifier) cached).cachedTokens();

        TokenCheck check = same(mint(Duration.ofMinutes(5)).token(), forDb());

        assertThat(check.valid()).isTrue();
        assertThat(((DefaultTokenVerifier) cached).cachedTokens()).isEqualTo(before + 1);
    }

    @Test
    void aCachedToken_revokedAfterwards_isRevoked_onTheNextCall() {
        TokenIssuer.IssuedToken t = mint(Duration.ofMinutes(5));
        assertThat(same(t.token(), forDb()).valid()).isTrue();

        revocations.revoke(HOME, t.jti(), Duration.ofMinutes(10));

        assertThat(reason(same(t.token(), forDb()))).isEqualTo(TokenCheck.Reason.REVOKED);
        assertThat(same(t.token(), Expectations.forRevocation()).valid()).isTrue();
    }

    @Test
    void aCachedToken_expires_whenTheClockMovesPastItsExp() {
        TokenIssuer.IssuedToken t = mint(Duration.ofMinutes(2));
        assertThat(same(t.token(), forDb()).valid()).isTrue();

        clock.advance(Duration.ofSeconds(150));
        assertThat(same(t.token(), forDb()).valid()).as("within the 60 s skew").isTrue();
        clock.advance(Duration.ofSeconds(60));

        assertThat(reason(same(t.token(), forDb()))).isEqualTo(TokenCheck.Reason.EXPIRED);
        assertThat(same(t.token(), Expectations.forRevocation()).valid()).as("revocation accepts expired tokens").isTrue();
    }

    @Test
    void aCachedToken_forAnotherAudienceTypeOrTrustDomain_isRefusedAsWithoutTheCache() {
        String token = mint(Duration.ofMinutes(5)).token();
        assertThat(same(token, forDb()).valid()).isTrue();

        assertThat(reason(same(token, Expectations.anyType(HOME, "spiffe://cache.test/other")))).isEqualTo(TokenCheck.Reason.AUDIENCE_MISMATCH);
        assertThat(reason(same(token, Expectations.anyType(TrustDomain.of("elsewhere.test"), DB))))
                .isEqualTo(TokenCheck.Reason.UNTRUSTED_ISSUER);
        assertThat(reason(same(token, new Expectations(Set.of(HOME), Set.of(DB), Set.of(TokenType.ACCESS_TOKEN), true, true))))
                .isEqualTo(TokenCheck.Reason.WRONG_TYPE);
    }

    @Test
    void tamperedPayloadOrSignature_isBadSignature_everyTime() {
        String token = mint(Duration.ofMinutes(5)).token();
        assertThat(same(token, forDb()).valid()).isTrue();
        String[] parts = token.split("\\.");
        String otherSub = Base64URL.encode(new String(Base64URL.from(parts[1]).decode(), StandardCharsets.UTF_8)
                .replace(ME, "spiffe://cache.test/ns/shop/sa/evil")).toString();
        char last = parts[2].charAt(10);
        String otherSignature = parts[2].substring(0, 10) + (last == 'A' ? 'B' : 'A') + parts[2].substring(11);

        assertThat(reason(same(parts[0] + "." + otherSub + "." + parts[2], forDb()))).isEqualTo(TokenCheck.Reason.BAD_SIGNATURE);
        assertThat(reason(same(parts[0] + "." + parts[1] + "." + otherSignature, forDb()))).isEqualTo(TokenCheck.Reason.BAD_SIGNATURE);
        assertThat(reason(same(parts[0] + "." + parts[1] + ".", forDb()))).isEqualTo(TokenCheck.Reason.BAD_SIGNATURE);
    }

    @Test
    void algNone_andAnUnknownKid_areRefused_everyTime() throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("spiffe://cache.test").subject(ME).audience(DB)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).jwtID("j-none").build();
        String unknownKid = JwtTestContexts.signWithActiveKey(context, HOME, claims, "not-a-kid");
        String signed = JwtTestContexts.signWithActiveKey(context, HOME, claims);

        assertThat(reason(same(new PlainJWT(claims).serialize(), forDb()))).isEqualTo(TokenCheck.Reason.BAD_SIGNATURE);
        assertThat(reason(same(unknownKid, forDb()))).isEqualTo(TokenCheck.Reason.UNKNOWN_KEY);
        assertThat(same(signed, forDb()).valid()).isTrue();
        assertThat(reason(same("a.b", forDb()))).isEqualTo(TokenCheck.Reason.MALFORMED);
    }
}
