package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.tokens.Revocations;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenCheck.Reason;
import io.meshid.identity.tokens.TokenType;
import io.meshid.identity.tokens.TokenVerifier;
import io.meshid.identity.tokens.TokenVerifier.Expectations;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The verifier against the tokens an attacker or a bug would present, each refused with its
 * reason and a detail naming the values; and the tokens meshid mints, accepted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenVerifierTest {

    private static final TrustDomain HOME = TrustDomain.of("ver.test");
    private static final TrustDomain OTHER = TrustDomain.of("other.test");
    private static final String ME = "spiffe://ver.test/ns/payments/sa/api";

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private TestDatabase db;
    private ApplicationContext context;
    private TokenIssuer issuer;
    private TokenVerifier verifier;
    private JwtKeyManager keys;

    @BeforeAll
    void start() {
        db = TestDatabase.h2();
        context = JwtTestContexts.start(JwtTestContexts.properties(db, "ver.test"), clock);
        issuer = context.getBean(TokenIssuer.class);
        verifier = context.getBean(TokenVerifier.class);
        keys = context.getBean(JwtKeyManager.class);
    }

    @AfterAll
    void stop() {
        context.close();
        db.close();
    }

    private TokenIssuer.IssuedToken mint(TrustDomain domain, String sub, String aud) {
        return issuer.issue(new TokenIssuer.TokenParams(domain, JOSEObjectType.JWT,
                new JWTClaimsSet.Builder().subject(sub).audience(aud).build(), Duration.ofMinutes(5)));
    }

    private TokenCheck check(String token) {
        return verifier.verify(token, Expectations.anyType(HOME, "spiffe://ver.test/ns/orders/sa/api"));
    }

    private static TokenCheck.Invalid invalid(TokenCheck check) {
        assertThat(check).isInstanceOf(TokenCheck.Invalid.class);
        return (TokenCheck.Invalid) check;
    }

    /** Signs {@code claims} with the home trust domain's real active key, bypassing the issuer's checks. */
    private String signedByMeshid(JWTClaimsSet claims, JOSEObjectType typ) throws Exception {
        JwtKeyManager.SigningKey key = keys.signingKey(HOME);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(key.kid()).build(), claims);
        jwt.sign(key.signer());
        return jwt.serialize();
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = clock.instant();
        return new JWTClaimsSet.Builder().issuer("spiffe://ver.test").subject(ME).audience("spiffe://ver.test/ns/orders/sa/api")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).jwtID("j-" + now.toEpochMilli());
    }

    @Test
    void aMintedJwtSvid_isValid_withEverythingItSays() {
        var t = mint(HOME, ME, "spiffe://ver.test/ns/orders/sa/api");

        var valid = (TokenCheck.Valid) check(t.token());

        assertThat(valid.token().type()).isEqualTo(TokenType.JWT_SVID);
        assertThat(valid.token().subject()).isEqualTo(ME);
        assertThat(valid.token().spiffeId()).map(Object::toString).contains(ME);
        assertThat(valid.token().audiences()).containsExactly("spiffe://ver.test/ns/orders/sa/api");
        assertThat(valid.token().jti()).isEqualTo(t.jti());
        assertThat(valid.token().keyId()).isEqualTo(t.keyId());
        assertThat(valid.token().expiresAt()).isEqualTo(t.expiresAt());
    }

    @Test
    void anAccessToken_withAClientIdSubject_isValid() throws Exception {
        String at = issuer.issue(new TokenIssuer.TokenParams(HOME, TokenType.AT_JWT, new JWTClaimsSet.Builder().subject("billing-app")
                .audience("spiffe://ver.test/ns/orders/sa/api").claim("client_id", "billing-app").claim("scope", "orders:read")
                .build(), Duration.ofMinutes(5))).token();

        var valid = (TokenCheck.Valid) check(at);

        assertThat(valid.token().type()).isEqualTo(TokenType.ACCESS_TOKEN);
        assertThat(valid.token().spiffeId()).isEmpty();
        assertThat(valid.token().claims().getStringClaim("scope")).isEqualTo("orders:read");
        assertThat(invalid(verifier.verify(at, new Expectations(Set.of(HOME), Set.of(), Set.of(TokenType.JWT_SVID), true, true)))
                .reason()).isEqualTo(Reason.WRONG_TYPE);
    }

    @Test
    void algNone_isBadSignature() {
        String none = new PlainJWT(claims().build()).serialize();

        var i = invalid(check(none));

        assertThat(i.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(i.detail()).isEqualTo("alg none is not allowed (expected: ES256)");
    }

    @Test
    void hs256_withThePublicKeyAsSecret_isBadSignature() throws Exception {
        String kid = keys.jwks(HOME).activeKeyId();
        byte[] publicJwk = JWKSet.parse(keys.jwks(HOME).json()).getKeyByKeyId(kid).toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims().build());
        forged.sign(new MACSigner(publicJwk));

        var i = invalid(check(forged.serialize()));

        assertThat(i.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(i.detail()).isEqualTo("alg HS256 is not allowed (expected: ES256)");
    }

    @Test
    void unknownKid_isUnknownKey_namingIt() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker-key").generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("attacker-key").build(), claims().build());
        forged.sign(new ECDSASigner(attacker));

        var i = invalid(check(forged.serialize()));

        assertThat(i.reason()).isEqualTo(Reason.UNKNOWN_KEY);
        assertThat(i.detail()).isEqualTo("kid attacker-key is not in the JWKS of ver.test");
    }

    @Test
    void anotherKeyUnderARealKid_isBadSignature() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
        String kid = keys.jwks(HOME).activeKeyId();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), claims().build());
        forged.sign(new ECDSASigner(attacker));

        assertThat(invalid(check(forged.serialize())).reason()).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void tamperedPayload_isBadSignature() throws Exception {
        String[] parts = mint(HOME, ME, "spiffe://ver.test/ns/orders/sa/api").token().split("\\.");
        JWTClaimsSet original = JWTClaimsSet.parse(Base64URL.from(parts[1]).decodeToString());
        JWTClaimsSet raised = new JWTClaimsSet.Builder(original).subject("spiffe://ver.test/meshid/admin").build();
        String tampered = parts[0] + "." + Base64URL.encode(raised.toString()) + "." + parts[2];

        var i = invalid(check(tampered));

        assertThat(i.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(i.detail()).startsWith("signature does not verify with kid ");
    }

    @Test
    void aTokenOfAnotherTrustDomain_isUntrustedIssuer_evenForTheRightAudience() {
        String theirs = mint(OTHER, "spiffe://other.test/ns/x/sa/y", "spiffe://ver.test/ns/orders/sa/api").token();

        var i = invalid(check(theirs));

        assertThat(i.reason()).isEqualTo(Reason.UNTRUSTED_ISSUER);
        assertThat(i.detail()).isEqualTo("iss spiffe://other.test (trust domain other.test) is not trusted here (expected: "
                + "spiffe://ver.test; no federation is configured)");
    }

    @Test
    void aJwtSvidWhoseSubjectIsOfAnotherTrustDomain_isUntrustedIssuer() throws Exception {
        var i = invalid(check(signedByMeshid(claims().subject("spiffe://other.test/ns/x/sa/y").build(), JOSEObjectType.JWT)));

        assertThat(i.reason()).isEqualTo(Reason.UNTRUSTED_ISSUER);
        assertThat(i.detail()).contains("spiffe://other.test/ns/x/sa/y");
    }

    @Test
    void wrongAudience_isAudienceMismatch_namingBoth() {
        var t = mint(HOME, ME, "spiffe://ver.test/ns/billing/sa/api");

        var i = invalid(check(t.token()));

        assertThat(i.reason()).isEqualTo(Reason.AUDIENCE_MISMATCH);
        assertThat(i.detail()).isEqualTo("aud [spiffe://ver.test/ns/billing/sa/api] does not contain spiffe://ver.test/ns/orders/sa/api");
    }

    @Test
    void expired_beyondTheSkew_isExpired_butWithinTheSkewIsValid() {
        var t = mint(HOME, ME, "spiffe://ver.test/ns/orders/sa/api");
        Instant start = clock.instant();
        try {
            clock.set(t.expiresAt().plusSeconds(59));
            assertThat(check(t.token()).valid()).isTrue();

            clock.set(t.expiresAt().plusSeconds(61));
            var i = invalid(check(t.token()));

            assertThat(i.reason()).isEqualTo(Reason.EXPIRED);
            assertThat(i.detail()).isEqualTo("exp " + t.expiresAt() + " is before now " + clock.instant() + " (60 s skew)");
        } finally {
            clock.set(start);
        }
    }

    @Test
    void nbfOrIatInTheFuture_isNotYetValid() throws Exception {
        Instant later = clock.instant().plusSeconds(120);

        assertThat(invalid(check(signedByMeshid(claims().notBeforeTime(Date.from(later)).build(), JOSEObjectType.JWT))).reason())
                .isEqualTo(Reason.NOT_YET_VALID);
        assertThat(invalid(check(signedByMeshid(claims().issueTime(Date.from(later)).build(), JOSEObjectType.JWT))).detail())
                .startsWith("iat " + later);
    }

    @Test
    void missingSubAudExpOrJti_isMissingClaim_namingIt() throws Exception {
        Map<String, JWTClaimsSet> cases = Map.of(
                "sub", claims().subject(null).build(),
                "aud", claims().audience((List<String>) null).build(),
                "exp", claims().expirationTime(null).build(),
                "jti", claims().jwtID(null).build(),
                "iss", claims().issuer(null).build());
        for (var c : cases.entrySet()) {
            var i = invalid(check(signedByMeshid(c.getValue(), JOSEObjectType.JWT)));

            assertThat(i.reason()).as(c.getKey()).isEqualTo(Reason.MISSING_CLAIM);
            assertThat(i.detail()).as(c.getKey()).startsWith(c.getKey() + ": missing");
        }
        assertThat(invalid(check(signedByMeshid(claims().subject("not a spiffe id").build(), JOSEObjectType.JWT))).reason())
                .isEqualTo(Reason.MISSING_CLAIM);
    }

    @Test
    void garbage_andUnknownTypes_areMalformed() throws Exception {
        assertThat(invalid(check("not-a-jwt")).reason()).isEqualTo(Reason.MALFORMED);
        assertThat(invalid(check("e30.e30.e30")).reason()).isEqualTo(Reason.MALFORMED);
        assertThat(invalid(check(signedByMeshid(claims().build(), new JOSEObjectType("secevent+jwt")))).detail())
                .startsWith("typ secevent+jwt is not a meshid token type");
    }

    @Test
    void aRevokedToken_isRevoked_untilItExpires() {
        var t = mint(HOME, ME, "spiffe://ver.test/ns/orders/sa/api");
        context.getBean(Revocations.class).revoke(HOME, t.jti(), Duration.ofMinutes(6));

        var i = invalid(check(t.token()));

        assertThat(i.reason()).isEqualTo(Reason.REVOKED);
        assertThat(i.detail()).isEqualTo("jti " + t.jti() + " of ver.test was revoked");
    }

    @Test
    void aCritHeaderNamingAnUnknownExtension_isRefused_thoughItsSignatureVerifies() throws Exception {
        JwtKeyManager.SigningKey key = keys.signingKey(HOME);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(key.kid())
                .criticalParams(Set.of("exp-binding")).customParam("exp-binding", "must-understand").build(), claims().build());
        jwt.sign(key.signer());

        var i = invalid(check(jwt.serialize()));

        assertThat(i.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(i.detail()).contains("crit [exp-binding]");
    }

    @Test
    void aMalleatedSignature_withHighS_isRefused_thoughPlainEcdsaAcceptsIt() throws Exception {
        String token = mint(HOME, ME, "spiffe://ver.test/ns/orders/sa/api").token();
        String[] parts = token.split("\\.");
        byte[] high = Es256VerifierTest.highS(Base64URL.from(parts[2]).decode());
        String malleated = parts[0] + "." + parts[1] + "." + Base64URL.encode(high);
        SignedJWT parsed = SignedJWT.parse(malleated);
        com.nimbusds.jose.jwk.ECKey published = (com.nimbusds.jose.jwk.ECKey) JWKSet.parse(keys.jwks(HOME).json())
                .getKeyByKeyId(parsed.getHeader().getKeyID());
        java.security.Signature jdk = java.security.Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(published.toECPublicKey());
        jdk.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));

        assertThat(jdk.verify(com.nimbusds.jose.crypto.impl.ECDSA.transcodeSignatureToDER(high))).isTrue();
        assertThat(check(token).valid()).isTrue();
        var i = invalid(check(malleated));

        assertThat(i.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(i.detail()).startsWith("signature does not verify with kid ");
    }
}
