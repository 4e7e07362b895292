package io.meshid.identity.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import com.sun.net.httpserver.HttpServer;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.micronaut.context.exceptions.ConfigurationException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External OIDC issuers against a JWKS served by the JDK's HTTP server on loopback (or a file),
 * with tokens minted here: what verifies, what is refused, and that the JWKS is fetched once and
 * then served from the cache.
 */
class ExternalIssuerTest {

    private static final String ISS = "https://idp.example";
    private static final TrustDomain TD = TrustDomain.of("ex.test");
    private final MutableClock clock = MutableClock.at(Instant.now());
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> served = new AtomicReference<>();
    private HttpServer http;
    private ECKey key;
    private ExternalIssuer issuer;

    @BeforeEach
    void serveJwks() throws Exception {
        key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        served.set(new JWKSet(key.toPublicJWK()).toString());
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        if (issuer != null) {
            issuer.close();
        }
        http.stop(0);
    }

    private ExternalIssuerConfig config() {
        return config("/ext/corp");
    }

    private ExternalIssuerConfig config(String prefix) {
        ExternalIssuerConfig c = new ExternalIssuerConfig("corp");
        c.setIssuer(ISS);
        c.setJwksUri("http://127.0.0.1:" + http.getAddress().getPort() + "/jwks");
        c.setAudience("meshid");
        if (prefix != null) {
            c.setSpiffePathPrefix(prefix);
        }
        return c;
    }

    private ExternalIssuer issuer(ExternalIssuerConfig c) {
        issuer = new ExternalIssuer(c, TD, clock, null);
        return issuer;
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = clock.instant();
        return new JWTClaimsSet.Builder().issuer(ISS).subject("alice").audience(List.of("meshid", "other")).jwtID("j-1")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).claim("scope", "orders:read orders:write");
    }

    private SignedJWT signed(ECKey with, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(with.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new ECDSASigner(with));
        return SignedJWT.parse(jwt.serialize());
    }

    private MeshidException refused(ExternalIssuer verifier, SignedJWT jwt) {
        return catchThrowableOfType(MeshidException.class, () -> verifier.verify("subject_token", jwt));
    }

    @Test
    void validToken_verifies_withItsClaims_andTheJwksIsFetchedOnce() throws Exception {
        ExternalIssuer verifier = issuer(config());

        PresentedToken token = verifier.verify("subject_token", signed(key, claims().claim("may_act", Map.of("sub", "spiffe://ex.test/a")).build()));
        for (int i = 0; i < 20; i++) {
            verifier.verify("subject_token", signed(key, claims().jwtID("j-" + i).build()));
        }

        assertThat(token.origin()).isEqualTo(PresentedToken.Origin.EXTERNAL);
        assertThat(token.subject()).isEqualTo("spiffe://ex.test/ext/corp/alice");
        assertThat(token.trustDomain()).isEqualTo(TD);
        assertThat(token.scopes()).containsExactly("orders:read", "orders:write");
        assertThat(token.mayAct()).contains(Map.of("sub", "spiffe://ex.test/a"));
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void subjects_mapToSpiffeIds_underTheConfiguredPrefix() throws Exception {
        assertThat(issuer(config("/ext/corp")).verify("subject_token", signed(key, claims().build())).subject())
                .isEqualTo("spiffe://ex.test/ext/corp/alice");
        assertThat(refused(issuer, signed(key, claims().subject("a/../b").build())).reason()).contains(OAuthErrors.INVALID_GRANT);
    }

    @Test
    void expiredToken_isInvalidGrant() throws Exception {
        ExternalIssuer verifier = issuer(config());
        SignedJWT jwt = signed(key, claims().build());
        clock.advance(Duration.ofMinutes(12));

        MeshidException e = refused(verifier, jwt);

        assertThat(e.reason()).contains(OAuthErrors.INVALID_GRANT);
        assertThat(e.getMessage()).contains("xpired");
    }

    @Test
    void wrongAudienceOrIssuer_isInvalidGrant() throws Exception {
        ExternalIssuer verifier = issuer(config());

        assertThat(refused(verifier, signed(key, claims().audience("someone-else").build())).reason()).contains(OAuthErrors.INVALID_GRANT);
        assertThat(refused(verifier, signed(key, claims().issuer("https://evil.example").build())).reason())
                .contains(OAuthErrors.INVALID_GRANT);
    }

    @Test
    void tamperedToken_isInvalidGrant() throws Exception {
        SignedJWT good = signed(key, claims().build());
        String[] parts = good.serialize().split("\\.");
        String forged = Base64URL.encode(claims().subject("mallory").build().toString()).toString();
        SignedJWT tampered = SignedJWT.parse(parts[0] + "." + forged + "." + parts[2]);

        assertThat(refused(issuer(config()), tampered).reason()).contains(OAuthErrors.INVALID_GRANT);
    }

    @Test
    void unknownKey_isRefetchedAtMostOnceWithinTheInterval_thenInvalidGrant() throws Exception {
        ExternalIssuer verifier = issuer(config());
        verifier.verify("subject_token", signed(key, claims().build()));
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("k-unknown").generate();

        for (int i = 0; i < 5; i++) {
            assertThat(refused(verifier, signed(stranger, claims().build())).reason()).contains(OAuthErrors.INVALID_GRANT);
        }

        assertThat(fetches.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void hmacOrAlgNone_isInvalidGrant() throws Exception {
        ExternalIssuer verifier = issuer(config());
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        hmac.sign(new MACSigner(new byte[32]));
        assertThat(refused(verifier, SignedJWT.parse(hmac.serialize())).reason()).contains(OAuthErrors.INVALID_GRANT);

        String none = new PlainJWT(claims().build()).serialize();
        String[] parts = signed(key, claims().build()).serialize().split("\\.");
        assertThatThrownBy(() -> SignedJWT.parse(none)).isInstanceOf(java.text.ParseException.class);
        String noneHeader = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"k1\"}").toString();
        assertThatThrownBy(() -> verifier.verify("subject_token", SignedJWT.parse(noneHeader + "." + parts[1] + "." + parts[2])))
                .isInstanceOfAny(MeshidException.class, java.text.ParseException.class);
    }

    @Test
    void jwksUnreachable_isUnavailable_notAnEndlessWait() throws Exception {
        ExternalIssuerConfig c = config();
        http.stop(0);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.start();

        MeshidException e = refused(issuer(c), signed(key, claims().build()));

        assertThat(e.kind()).isEqualTo(io.meshid.common.errors.MeshidException.Kind.UNAVAILABLE);
    }

    @Test
    void jwksFromAFile_verifies() throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
        ExternalIssuerConfig c = new ExternalIssuerConfig("file-idp");
        c.setIssuer(ISS);
        c.setJwksFile(file.toString());
        c.setAudience("meshid");
        c.setSpiffePathPrefix("/ext/file-idp");

        assertThat(issuer(c).verify("subject_token", signed(key, claims().build())).subject())
                .isEqualTo("spiffe://ex.test/ext/file-idp/alice");
    }

    @TempDir
    Path dir;

    @Test
    void badConfiguration_failsNamingTheKey() {
        ExternalIssuerConfig c = new ExternalIssuerConfig("corp");
        assertThatThrownBy(() -> c.setIssuer("http://idp.example")).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("meshid.identity.external-issuers.corp.issuer:");
        assertThatThrownBy(() -> c.setJwksUri("http://idp.example/jwks")).hasMessageContaining("jwks-uri");
        assertThatThrownBy(() -> c.setAlgorithms(List.of("HS256"))).hasMessageContaining("algorithms");
        c.setIssuer(ISS);
        c.setAudience("meshid");
        assertThatThrownBy(c::check).hasMessageContaining("neither is set");
        assertThatThrownBy(() -> new ExternalIssuerConfig("Bad_Name")).hasMessageContaining("the name");
    }

    @Test
    void withoutASpiffePathPrefix_orUnderMeshid_theIssuerIsRefusedAtStartUp() {
        ExternalIssuerConfig none = config(null);
        ExternalIssuerConfig ours = config("/meshid/admin");

        assertThatThrownBy(() -> new ExternalIssuer(none, TD, clock, null)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("meshid.identity.external-issuers.corp.spiffe-path-prefix: missing (expected: ");
        assertThatThrownBy(() -> new ExternalIssuer(ours, TD, clock, null)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("meshid.identity.external-issuers.corp.spiffe-path-prefix: '/meshid/admin' is meshid's own");
    }

    @Test
    void aSubjectThatIsASpiffeIdOrAPath_neverBecomesAWorkloadIdentity() throws Exception {
        ExternalIssuer verifier = issuer(config());

        for (String sub : List.of("spiffe://ex.test/ns/payments/sa/api", "spiffe://ex.test/meshid/admin", "../../ns/payments/sa/api",
                "ns/payments/sa/api")) {
            assertThat(refused(verifier, signed(key, claims().subject(sub).build())).getMessage()).as(sub)
                    .contains("cannot become a SPIFFE ID path segment");
        }
    }

    @Test
    void anExternalAct_isDropped_neverCarriedIntoMeshidsTokens() throws Exception {
        PresentedToken token = issuer(config()).verify("subject_token", signed(key, claims()
                .claim("act", Map.of("sub", "spiffe://ex.test/meshid/admin")).build()));

        assertThat(token.act()).isEmpty();
        assertThat(token.subject()).isEqualTo("spiffe://ex.test/ext/corp/alice");
    }
}
