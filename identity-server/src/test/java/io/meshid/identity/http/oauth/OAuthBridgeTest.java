package io.meshid.identity.http.oauth;

import static io.meshid.identity.http.oauth.BridgeServer.basic;
import static io.meshid.identity.http.oauth.BridgeServer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.ClientAuthenticator;
import io.meshid.identity.oauth.GrantType;
import io.meshid.identity.oauth.OAuthClientParams;
import io.meshid.identity.oauth.OAuthClients;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenValidation;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The OAuth 2.0 bridge over real HTTPS (verified by the trust bundle and the host name, no
 * {@code -k}), end to end: discovery, every client authentication method, token exchange with an
 * actor, introspection, revocation and a certificate-bound token; tokens verified against the
 * served JWKS with a JOSE library; and the attacks the bridge must refuse, each as it would be
 * sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthBridgeTest {

    private static final String API = "https://api.bridge.test";
    private static final String TOKEN_ENDPOINT_AUD = "spiffe://bridge.test/meshid/identity-server";
    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final String AT = "urn:ietf:params:oauth:token-type:access_token";

    private BridgeServer bridge;
    private HttpClient http;
    private String secret;
    private ECKey signingKey;

    @BeforeAll
    void start() throws Exception {
        bridge = new BridgeServer(Map.of("meshid.identity.oauth.failures-per-source", 1000,
                "meshid.identity.oauth.failures-per-client", 1000));
        http = bridge.http(Optional.empty());
        secret = bridge.client("ci", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS, GrantType.TOKEN_EXCHANGE),
                List.of("orders.read", "orders.write"), List.of(API, "https://other.bridge.test"), Optional.empty(), Optional.empty())
                .orElseThrow();
        signingKey = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    }

    @AfterAll
    void stop() {
        bridge.close();
    }

    private List<io.meshid.common.audit.AuditEvent> audit(String action) {
        return bridge.context().getBean(io.meshid.common.audit.AuditLog.class).find(new io.meshid.common.audit.AuditQuery(
                BridgeServer.DOMAIN, Instant.EPOCH, Optional.of(action), 1000));
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSONObjectUtils.parse(r.body());
    }

    private HttpResponse<String> ciToken(String... extra) throws Exception {
        String[] pairs = new String[extra.length + 2];
        pairs[0] = "grant_type";
        pairs[1] = "client_credentials";
        System.arraycopy(extra, 0, pairs, 2, extra.length);
        return bridge.post(http, "/oauth2/token", form(pairs), "Authorization", basic("ci", secret));
    }

    private static void assertOAuthError(HttpResponse<String> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).get("error")).as(r.body()).isEqualTo(error);
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("Pragma")).contains("no-cache");
    }

    /** Verifies {@code token} against the served JWKS, as a resource server would. */
    private JWTClaimsSet verified(String token) throws Exception {
        JWKSet jwks = JWKSet.parse(bridge.get(http, "/.well-known/jwks.json").body());
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("at+jwt"));
        assertThat(jwt.verify(new ECDSAVerifier(jwks.getKeyByKeyId(jwt.getHeader().getKeyID()).toECKey()))).isTrue();
        return jwt.getJWTClaimsSet();
    }

    private String assertion(ECKey key, String clientId, String aud, String jti) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(aud).jwtID(jti)
                        .expirationTime(Date.from(Instant.now().plusSeconds(60))).issueTime(new Date()).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    @Test
    void discovery_advertisesTheEndpointsAndMethods_overHttpsVerifiedByHostName() throws Exception {
        HttpResponse<String> r = bridge.get(http, "/.well-known/oauth-authorization-server");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> m = json(r);
        assertThat(m.get("token_endpoint")).isEqualTo(bridge.base() + "/oauth2/token");
        assertThat(strings(m.get("grant_types_supported"))).contains("client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        assertThat(strings(m.get("token_endpoint_auth_methods_supported"))).containsExactly("client_secret_basic",
                "client_secret_post", "private_key_jwt", "tls_client_auth");
        assertThat(m.get("tls_client_certificate_bound_access_tokens")).isEqualTo(true);
        assertThat(m).containsKey("mtls_endpoint_aliases");
        assertThat(bridge.get(http, "/.well-known/openid-configuration").body()).isEqualTo(r.body());
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("Strict-Transport-Security")).isPresent();
        assertThat(r.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void clientCredentials_withBasic_givesAnRfc9068AccessToken() throws Exception {
        HttpResponse<String> r = ciToken("scope", "orders.read", "audience", API);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("Pragma")).contains("no-cache");
        Map<String, Object> reply = json(r);
        assertThat(reply.get("token_type")).isEqualTo("Bearer");
        assertThat(((Number) reply.get("expires_in")).longValue()).isBetween(250L, 300L);
        JWTClaimsSet claims = verified((String) reply.get("access_token"));
        assertThat(claims.getIssuer()).isEqualTo("spiffe://bridge.test");
        assertThat(claims.getSubject()).isEqualTo("spiffe://bridge.test/meshid/oauth-client/ci");
        assertThat(claims.getAudience()).containsExactly(API);
        assertThat(claims.getStringClaim("client_id")).isEqualTo("ci");
        assertThat(claims.getStringClaim("scope")).isEqualTo("orders.read");
        assertThat(claims.getJWTID()).isNotEmpty();
        assertThat(claims.getIssueTime()).isNotNull();
        assertThat(claims.getExpirationTime()).isNotNull();
    }

    /**
     * A client's first request runs on the blocking executor (its registration is read from the
     * database); the following ones, with the registration cached, on the event loop. Both answer
     * alike, and every issuance and every failure is in the audit trail.
     */
    @Test
    void eventLoopAndExecutorPaths_answerAlike_andAuditEveryIssuanceAndFailure() throws Exception {
        String s = bridge.client("twice", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of("a"),
                List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        List<Map<String, Object>> replies = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"), "Authorization",
                    basic("twice", s));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
            replies.add(json(r));
            verified((String) json(r).get("access_token"));
        }
        for (Map<String, Object> reply : replies) {
            assertThat(reply.keySet()).containsExactlyElementsOf(replies.get(0).keySet());
            assertThat(reply.get("scope")).isEqualTo("a");
        }
        HttpResponse<String> wrong = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"), "Authorization",
                basic("twice", s + "x"));
        assertOAuthError(wrong, 401, "invalid_client");
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_client"));
        HttpResponse<String> introspected = bridge.post(http, "/oauth2/introspect", form("token",
                (String) replies.get(11).get("access_token")), "Authorization", basic("twice", s));
        assertThat(json(introspected).get("active")).as(introspected.body()).isEqualTo(true);
        assertThat(audit("identity.oauth.token")).filteredOn(e -> e.target().equals("twice")
                && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.SUCCESS).hasSize(12);
        assertThat(audit("identity.oauth.client_auth")).anyMatch(e -> e.target().equals("twice")
                && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.DENIED);
    }

    @Test
    void clientSecretPost_works_andAWrongSecretIsInvalidClient() throws Exception {
        String post = bridge.client("poster", AuthMethod.CLIENT_SECRET_POST, List.of(GrantType.CLIENT_CREDENTIALS), List.of(),
                List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        assertThat(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_id", "poster",
                "client_secret", post)).statusCode()).isEqualTo(200);
        HttpResponse<String> wrong = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_id", "poster",
                "client_secret", post + "x"));
        assertOAuthError(wrong, 401, "invalid_client");
        assertThat(wrong.body()).doesNotContain(post);
        HttpResponse<String> basicWrong = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"),
                "Authorization", basic("ci", "not-the-secret"));
        assertOAuthError(basicWrong, 401, "invalid_client");
        assertThat(basicWrong.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_id", "poster",
                "client_secret", post), "Authorization", basic("ci", secret)), 400, "invalid_request");
        List<io.meshid.common.audit.AuditEvent> failures = audit("identity.oauth.client_auth");
        assertThat(failures).anyMatch(e -> e.target().equals("poster") && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.DENIED);
        assertThat(failures).allSatisfy(e -> assertThat(e.toString()).doesNotContain(post).doesNotContain(secret));
    }

    @Test
    void privateKeyJwt_works_andRefusesReplayAlgNoneHmacAndAForeignAudience() throws Exception {
        bridge.client("signer", AuthMethod.PRIVATE_KEY_JWT, List.of(GrantType.CLIENT_CREDENTIALS), List.of(), List.of(API),
                Optional.of(new JWKSet(signingKey.toPublicJWK()).toString()), Optional.empty());
        String aud = bridge.base() + "/oauth2/token";
        String first = assertion(signingKey, "signer", aud, UUID.randomUUID().toString());
        HttpResponse<String> ok = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials",
                "client_assertion_type", JWT_BEARER, "client_assertion", first));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(verified((String) json(ok).get("access_token")).getStringClaim("client_id")).isEqualTo("signer");

        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials",
                "client_assertion_type", JWT_BEARER, "client_assertion", first)), 401, "invalid_client");

        PlainJWT none = new PlainJWT(new JWTClaimsSet.Builder().issuer("signer").subject("signer").audience(aud).jwtID("n1")
                .expirationTime(Date.from(Instant.now().plusSeconds(60))).build());
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials",
                "client_assertion_type", JWT_BEARER, "client_assertion", none.serialize())), 401, "invalid_client");

        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer("signer").subject("signer").audience(aud).jwtID("h1")
                        .expirationTime(Date.from(Instant.now().plusSeconds(60))).build());
        byte[] publicKeyAsSecret = new JWKSet(signingKey.toPublicJWK()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        hmac.sign(new MACSigner(publicKeyAsSecret));
        HttpResponse<String> h = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials",
                "client_assertion_type", JWT_BEARER, "client_assertion", hmac.serialize()));
        assertOAuthError(h, 401, "invalid_client");
        assertThat(h.body()).contains("HMAC");

        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_assertion_type",
                JWT_BEARER, "client_assertion", assertion(signingKey, "signer", "https://elsewhere.example/token", "a2"))),
                401, "invalid_client");
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_assertion_type",
                JWT_BEARER, "client_assertion", assertion(stranger, "signer", aud, "a3"))), 401, "invalid_client");
    }

    /** RFC 7523 section 3: {@code exp} is required, and meshid takes none more than 5 minutes ahead (a long-lived assertion is a bearer secret). */
    @Test
    void privateKeyJwt_refusesAnAssertionWithoutExpiry_orExpiringFarAhead() throws Exception {
        bridge.client("signer-exp", AuthMethod.PRIVATE_KEY_JWT, List.of(GrantType.CLIENT_CREDENTIALS), List.of(), List.of(API),
                Optional.of(new JWKSet(signingKey.toPublicJWK()).toString()), Optional.empty());
        String aud = bridge.base() + "/oauth2/token";
        for (Date exp : java.util.Arrays.asList(null, Date.from(Instant.now().plusSeconds(3600)))) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.getKeyID()).build(),
                    new JWTClaimsSet.Builder().issuer("signer-exp").subject("signer-exp").audience(aud)
                            .jwtID(UUID.randomUUID().toString()).expirationTime(exp).issueTime(new Date()).build());
            jwt.sign(new ECDSASigner(signingKey));
            HttpResponse<String> r = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials",
                    "client_assertion_type", JWT_BEARER, "client_assertion", jwt.serialize()));
            assertOAuthError(r, 401, "invalid_client");
            assertThat(r.body()).as("exp %s", exp).contains("exp");
        }
    }

    /** RFC 7523 section 3.1: an assertion grant whose assertion is not a JWT is {@code invalid_grant}, 400, over HTTP too. */
    @Test
    void jwtBearerGrant_withAnAssertionThatIsNotAJwt_isInvalidGrant() throws Exception {
        String bearerSecret = bridge.client("bearer", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.JWT_BEARER), List.of(),
                List.of(API), Optional.empty(), Optional.empty()).orElseThrow();
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", GrantType.JWT_BEARER.uri(), "assertion", "not-a-jwt"),
                "Authorization", basic("bearer", bearerSecret)), 400, "invalid_grant");
    }

    @Test
    void tlsClientAuth_bindsTheToken_introspectionShowsCnf_andValidateTokenWantsTheProof() throws Exception {
        bridge.client("mtls", AuthMethod.TLS_CLIENT_AUTH, List.of(GrantType.CLIENT_CREDENTIALS), List.of("jobs"), List.of(API),
                Optional.empty(), Optional.of(SpiffeId.parse("spiffe://bridge.test/ns/ci/sa/runner")));
        X509Svid runner = bridge.pki.svid("/ns/ci/sa/runner");
        HttpClient mtls = bridge.http(Optional.of(runner));
        HttpResponse<String> r = bridge.post(mtls, "/oauth2/token", form("grant_type", "client_credentials", "client_id", "mtls"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String token = (String) json(r).get("access_token");
        JWTClaimsSet claims = verified(token);
        String thumb = ClientAuthenticator.thumbprint(runner.leaf());
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("x5t#S256", thumb);
        assertThat(claims.getSubject()).isEqualTo("spiffe://bridge.test/ns/ci/sa/runner");

        Map<String, Object> seen = json(bridge.post(http, "/oauth2/introspect", form("token", token), "Authorization", basic("ci", secret)));
        assertThat(seen.get("active")).isEqualTo(true);
        assertThat(((Map<?, ?>) seen.get("cnf")).get("x5t#S256")).isEqualTo(thumb);

        TokenValidation validation = bridge.context().getBean(TokenValidation.class);
        SpiffeId api = SpiffeId.parse("spiffe://bridge.test/ns/a/sa/api");
        Set<io.meshid.identity.tokens.TokenType> at = Set.of(io.meshid.identity.tokens.TokenType.ACCESS_TOKEN);
        assertThat(validation.validate(api, token, API, at, runner.leaf().getEncoded()).valid()).isTrue();
        TokenCheck withoutProof = validation.validate(api, token, API, at, new byte[0]);
        assertThat(((TokenCheck.Invalid) withoutProof).reason()).isEqualTo(TokenCheck.Reason.CERTIFICATE_MISMATCH);
        X509Svid other = bridge.pki.svid("/ns/ci/sa/someone-else");
        TokenCheck wrongProof = validation.validate(api, token, API, at, other.leaf().getEncoded());
        assertThat(((TokenCheck.Invalid) wrongProof).reason()).isEqualTo(TokenCheck.Reason.CERTIFICATE_MISMATCH);
        assertOAuthError(bridge.post(bridge.http(Optional.of(other)), "/oauth2/token", form("grant_type", "client_credentials",
                "client_id", "mtls")), 401, "invalid_client");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "client_id", "mtls")),
                401, "invalid_client");
    }

    @Test
    void anAccessToken_isNeverAcceptedWhereAJwtSvidIsExpected() throws Exception {
        String token = (String) json(ciToken("audience", API)).get("access_token");
        TokenValidation validation = bridge.context().getBean(TokenValidation.class);
        TokenCheck check = validation.validate(SpiffeId.parse("spiffe://bridge.test/ns/a/sa/api"), token, API, Set.of());
        assertThat(check).isInstanceOf(TokenCheck.Invalid.class);
        assertThat(((TokenCheck.Invalid) check).reason()).isEqualTo(TokenCheck.Reason.WRONG_TYPE);
    }

    @Test
    void tokenExchange_withAnActor_delegates_andNamesTheIssuedType() throws Exception {
        String other = bridge.client("upstream", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of(),
                List.of(TOKEN_ENDPOINT_AUD), Optional.empty(), Optional.empty()).orElseThrow();
        String subject = (String) json(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"),
                "Authorization", basic("upstream", other))).get("access_token");
        String actor = (String) json(ciToken()).get("access_token");
        HttpResponse<String> r = bridge.post(http, "/oauth2/token", form("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token", subject, "subject_token_type", AT, "actor_token", actor, "actor_token_type", AT, "audience", API),
                "Authorization", basic("ci", secret));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("issued_token_type")).isEqualTo(AT);
        JWTClaimsSet claims = verified((String) json(r).get("access_token"));
        assertThat(claims.getSubject()).isEqualTo("spiffe://bridge.test/meshid/oauth-client/upstream");
        assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", "spiffe://bridge.test/meshid/oauth-client/ci");
        assertThat(claims.getStringClaim("client_id")).isEqualTo("ci");
        assertThat(claims.getAudience()).containsExactly(API);

        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token", subject, "subject_token_type", AT, "audience", "https://not-registered.example"),
                "Authorization", basic("ci", secret)), 400, "invalid_target");
    }

    @Test
    void introspection_andRevocation() throws Exception {
        String token = (String) json(ciToken()).get("access_token");
        Map<String, Object> active = json(bridge.post(http, "/oauth2/introspect", form("token", token), "Authorization", basic("ci", secret)));
        assertThat(active).containsEntry("active", true).containsEntry("client_id", "ci").containsKeys("exp", "iat", "sub", "aud",
                "iss", "jti", "scope");
        HttpResponse<String> revoked = bridge.post(http, "/oauth2/revoke", form("token", token), "Authorization", basic("ci", secret));
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(json(bridge.post(http, "/oauth2/introspect", form("token", token), "Authorization", basic("ci", secret))))
                .isEqualTo(Map.of("active", false));
        assertThat(json(bridge.post(http, "/oauth2/introspect", form("token", "garbage"), "Authorization", basic("ci", secret))))
                .isEqualTo(Map.of("active", false));
        assertThat(bridge.post(http, "/oauth2/revoke", form("token", "garbage"), "Authorization", basic("ci", secret)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void introspection_byACallerThatIsNotAnAuthenticatedClient_isRefused() throws Exception {
        String token = (String) json(ciToken()).get("access_token");
        assertOAuthError(bridge.post(http, "/oauth2/introspect", form("token", token)), 401, "invalid_client");
        assertOAuthError(bridge.post(http, "/oauth2/introspect", form("token", token), "Authorization", "Bearer " + token),
                401, "invalid_client");
    }

    @Test
    void aClientOfAnotherTrustDomain_cannotAuthenticateHere_norSeeItsTokens() throws Exception {
        TrustDomain tenant = TrustDomain.of("tenant.test");
        bridge.context().getBean(Registry.class).createTrustDomain(tenant, "tenant", "test", Instant.now());
        String tenantSecret = bridge.context().getBean(OAuthClients.class).create(new OAuthClientParams(tenant, "tenant-ci",
                AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of(), List.of(API), Optional.empty(),
                Optional.empty(), null), SpiffeId.parse("spiffe://tenant.test/meshid/admin")).secret().orElseThrow();
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"), "Authorization",
                basic("tenant-ci", tenantSecret)), 401, "invalid_client");
    }

    @Test
    void malformedRequests_areInvalidRequest() throws Exception {
        assertOAuthError(ciToken("scope", "orders.read", "scope", "orders.write"), 400, "invalid_request");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "grant_type", "client_credentials"),
                "Authorization", basic("ci", secret)), 400, "invalid_request");
        assertOAuthError(bridge.post(http, "/oauth2/token", "{\"grant_type\":\"client_credentials\"}", "Authorization", basic("ci", secret),
                "Content-Type", "application/json"), 400, "invalid_request");
        HttpResponse<String> big = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "scope",
                "x".repeat(200_000)), "Authorization", basic("ci", secret));
        assertThat(big.statusCode()).isEqualTo(413);
        HttpResponse<String> get = bridge.get(http, "/oauth2/token?grant_type=client_credentials");
        assertOAuthError(get, 405, "invalid_request");
        assertThat(get.headers().firstValue("Allow")).contains("POST");
        assertOAuthError(ciToken("scope", "admin"), 400, "invalid_scope");
        assertThat(audit("identity.oauth.token")).anyMatch(e -> e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.DENIED
                && e.detail().contains("invalid_scope"));
        assertOAuthError(ciToken("audience", "https://not-registered.example"), 400, "invalid_target");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "password"), "Authorization", basic("ci", secret)),
                400, "unsupported_grant_type");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion", "x"), "Authorization", basic("ci", secret)), 400, "unauthorized_client");
        assertOAuthError(bridge.post(http, "/oauth2/token", form("scope", "x"), "Authorization", basic("ci", secret)),
                400, "invalid_request");
    }

    @Test
    void requestId_fromAWellFormedHeader_isEchoedAndAudited_elseOneIsMade() throws Exception {
        HttpResponse<String> denied = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"), "Authorization",
                basic("ci", "wrong-secret"), "X-Request-Id", "ci-job:42.7_a");
        assertOAuthError(denied, 401, "invalid_client");
        assertThat(denied.headers().firstValue("X-Request-Id")).contains("ci-job:42.7_a");
        assertThat(audit("identity.oauth.client_auth")).anyMatch(e -> e.requestId().equals("ci-job:42.7_a")
                && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.DENIED);

        HttpResponse<String> issued = ciToken("audience", API);
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        String made = issued.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(UUID.fromString(made).version()).isEqualTo(4);
        assertThat(audit("identity.oauth.token")).anyMatch(e -> e.requestId().equals(made)
                && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.SUCCESS);

        // Too long, or characters that could forge log or audit text: replaced, never echoed.
        for (String bad : new String[] {"x".repeat(129), "a b", "id\"}", "ü"}) {
            HttpResponse<String> r = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials", "scope", "admin"),
                    "Authorization", basic("ci", secret), "X-Request-Id", bad);
            assertOAuthError(r, 400, "invalid_scope");
            String id = r.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(id).isNotEqualTo(bad);
            assertThat(UUID.fromString(id).version()).isEqualTo(4);
            assertThat(audit("identity.oauth.token")).anyMatch(e -> e.requestId().equals(id)
                    && e.outcome() == io.meshid.common.audit.AuditEvent.Outcome.DENIED);
        }
        assertThat(audit("identity.oauth.token")).noneMatch(e -> e.requestId().equals("none"));
        assertThat(bridge.get(http, "/.well-known/jwks.json").headers().firstValue("X-Request-Id")).isPresent();
    }
}
