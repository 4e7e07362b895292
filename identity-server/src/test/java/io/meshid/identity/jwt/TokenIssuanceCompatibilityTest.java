package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.tokens.TokenType;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The issuer writes tokens directly (cached header, claims JSON, one signature); nimbus
 * wrote them before. For many claim sets, among them strings that need JSON escapes and act
 * chains, the new token parses and verifies with nimbus and carries exactly the header and the
 * claims nimbus's own serialization of the same claims carries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenIssuanceCompatibilityTest {

    private static final TrustDomain HOME = TrustDomain.of("compat.test");
    private static final String[] AWKWARD = {"quote\"d", "back\\slash", "line\nbreak\ttab\r\u0000\u0001\u001f\u007f", "caf\u00e9",
        "\u65e5\u672c", "emoji \uD83D\uDE00", "sep\u2028\u2029", "<script>&amp;'</script>", "", " spaced  "};

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private TestDatabase db;
    private ApplicationContext context;
    private TokenIssuer issuer;
    private JwtKeyManager keys;

    @BeforeAll
    void start() {
        db = TestDatabase.h2();
        context = JwtTestContexts.start(JwtTestContexts.properties(db, "compat.test"), clock);
        issuer = context.getBean(TokenIssuer.class);
        keys = context.getBean(JwtKeyManager.class);
    }

    @AfterAll
    void stop() {
        context.close();
        db.close();
    }

    /** What nimbus wrote for the same header and claims, before the issuer wrote tokens itself. */
    private String nimbus(JOSEObjectType typ, String kid, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(kid).build(), claims);
        jwt.sign(keys.signingKey(HOME).signer());
        return jwt.serialize();
    }

    private static String awkward(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            s.append(AWKWARD[random.nextInt(AWKWARD.length)]);
            s.append((char) random.nextInt(0x3000));
        }
        return s.toString();
    }

    private static JWTClaimsSet claims(Random random, int i) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().subject("spiffe://compat.test/w/" + awkward(random));
        List<String> aud = new ArrayList<>();
        for (int a = 0, n = 1 + random.nextInt(3); a < n; a++) {
            aud.add("aud-" + a + awkward(random));
        }
        b.audience(aud);
        if (i % 2 == 0) {
            b.claim("scope", "orders:read " + awkward(random)).claim("client_id", awkward(random));
        }
        if (i % 3 == 0) {
            Map<String, Object> act = Map.of("sub", awkward(random));
            for (int depth = 0, n = random.nextInt(4); depth < n; depth++) {
                Map<String, Object> outer = new LinkedHashMap<>();
                outer.put("sub", "spiffe://compat.test/actor/" + depth + awkward(random));
                outer.put("iss", "https://idp.example/" + awkward(random));
                outer.put("act", act);
                act = outer;
            }
            b.claim("act", act);
        }
        if (i % 5 == 0) {
            b.claim("may_act", Map.of("sub", awkward(random)));
        }
        if (i % 7 == 0) {
            b.jwtID("given-" + awkward(random));
        }
        return b.build();
    }

    @Test
    void issuedTokens_verifyWithNimbus_andCarryExactlyNimbusesHeaderAndClaims() throws Exception {
        Random random = new Random(20261204);
        for (int i = 0; i < 400; i++) {
            JOSEObjectType typ = i % 2 == 0 ? TokenType.AT_JWT : JOSEObjectType.JWT;
            JWTClaimsSet asked = claims(random, i);
            TokenIssuer.IssuedToken issued = issuer.issue(new TokenIssuer.TokenParams(HOME, typ, asked, Duration.ofMinutes(5)));
            ECKey publicKey = (ECKey) JWKSet.parse(keys.jwks(HOME).json()).getKeyByKeyId(issued.keyId());

            SignedJWT ours = SignedJWT.parse(issued.token());
            SignedJWT theirs = SignedJWT.parse(nimbus(typ, issued.keyId(), issued.claims()));

            assertThat(ours.verify(new ECDSAVerifier(publicKey))).as("token %d verifies", i).isTrue();
            assertThat(ours.getHeader().toJSONObject()).isEqualTo(theirs.getHeader().toJSONObject());
            assertThat(JSONObjectUtils.parse(ours.getPayload().toString()))
                    .isEqualTo(JSONObjectUtils.parse(theirs.getPayload().toString()));
            assertThat(ours.getJWTClaimsSet().toJSONObject()).isEqualTo(issued.claims().toJSONObject());
            for (Map.Entry<String, Object> e : asked.getClaims().entrySet()) {
                assertThat(ours.getJWTClaimsSet().getClaim(e.getKey())).as("claim %s of token %d", e.getKey(), i)
                        .isEqualTo(e.getKey().equals("aud") ? asked.getAudience() : e.getValue());
            }
        }
    }

    @Test
    void issuedTokens_haveTheKeysHeader_theTimes_andAFreshJtiEach() throws Exception {
        Set<String> jtis = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            TokenIssuer.IssuedToken t = issuer.issue(new TokenIssuer.TokenParams(HOME, JOSEObjectType.JWT,
                    new JWTClaimsSet.Builder().subject("spiffe://compat.test/a").audience("b").build(), Duration.ofMinutes(5)));
            SignedJWT jwt = SignedJWT.parse(t.token());
            assertThat(jwt.getHeader().toJSONObject()).isEqualTo(Map.of("alg", "ES256", "kid", t.keyId(), "typ", "JWT"));
            assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("spiffe://compat.test");
            assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(clock.instant());
            assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(clock.instant().plusSeconds(300));
            assertThat(jwt.getJWTClaimsSet().getJWTID()).isEqualTo(t.jti()).matches("[A-Za-z0-9_-]{22}");
            jtis.add(t.jti());
        }
        assertThat(jtis).hasSize(500);
    }
}
