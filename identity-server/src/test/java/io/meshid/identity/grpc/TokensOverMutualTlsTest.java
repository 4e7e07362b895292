package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.identity.v1.GetJwksRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.InvalidTokenReason;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.TokenType;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The token rpcs over real mutual TLS: identity-server with its SVID on H2, workloads with
 * theirs. Minting, validating, revoking and the JWKS, with each bad input answered by its status
 * and nothing issued; and the JWKS over HTTPS, fetched with a plain HTTPS client and checked with
 * nimbus against a minted token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokensOverMutualTlsTest {

    private static final String API = "spiffe://wire.test/ns/payments/sa/api";
    private static final String ORDERS = "spiffe://wire.test/ns/orders/sa/api";
    private static final String ADMIN = "spiffe://wire.test/meshid/admin";
    private static final String SERVER = "spiffe://wire.test/meshid/identity-server";

    private final TestPki pki = TestPki.create("wire.test");
    private final List<ManagedChannel> channels = new ArrayList<>();
    private TestDatabase db;
    private Path dir;
    private EmbeddedServer server;
    private Registry registry;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("meshid-tokens");
        X509Svid svid = pki.svid("/meshid/identity-server");
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        db = TestDatabase.h2();
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, "wire.test"));
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("micronaut.server.ssl.enabled", true);
        p.put("micronaut.server.ssl.port", -1);
        p.put("micronaut.server.ssl.key-store.key-path", "file:" + dir.resolve("key.pem"));
        p.put("micronaut.server.ssl.key-store.certificate-path", "file:" + dir.resolve("cert.pem"));
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        server = ApplicationContext.run(EmbeddedServer.class, p);
        registry = server.getApplicationContext().getBean(Registry.class);
        entry(API);
        entry(ORDERS);
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.stop();
        db.close();
    }

    private RegistrationEntry entry(String id) {
        return registry.createEntry(new EntryParams(SpiffeId.parse(id), List.of(), Optional.empty(), Optional.empty(), List.of(),
                false, "test"));
    }

    private IdentityServiceBlockingStub as(String caller) {
        StaticSvidSource source = new StaticSvidSource(pki.svid(SpiffeId.parse(caller).path()), pki.bundle());
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getApplicationContext().getBean(GrpcEmbeddedServer.class)
                .getPort()).sslContext(TlsContexts.grpcClient(source, SpiffeId.parse(SERVER)::equals)).build();
        channels.add(c);
        return IdentityServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static MintJwtSvidRequest.Builder mint(String... audiences) {
        return MintJwtSvidRequest.newBuilder().addAllAudience(List.of(audiences));
    }

    private static ValidateTokenRequest validate(String token, String audience) {
        return ValidateTokenRequest.newBuilder().setToken(token).setAudience(audience).build();
    }

    private static Status status(Throwable e) {
        return ((StatusRuntimeException) e).getStatus();
    }

    private List<AuditEvent> audit(String action) {
        return server.getApplicationContext().getBean(AuditLog.class)
                .find(new AuditQuery("wire.test", Instant.EPOCH, Optional.of(action), 200));
    }

    @Test
    void mint_thenValidate_byTheAudience_isValid_withClaims() {
        var minted = as(API).mintJwtSvid(mint(ORDERS).build());

        var reply = as(ORDERS).validateToken(validate(minted.getToken(), ORDERS));

        assertThat(minted.getSpiffeId()).isEqualTo(API);
        assertThat(reply.getValid()).isTrue();
        assertThat(reply.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_UNSPECIFIED);
        assertThat(reply.getSubject()).isEqualTo(API);
        assertThat(reply.getClaims().getFieldsOrThrow("sub").getStringValue()).isEqualTo(API);
        assertThat(reply.getClaims().getFieldsOrThrow("iss").getStringValue()).isEqualTo("spiffe://wire.test");
        assertThat(reply.getExpiresAt()).isEqualTo(minted.getExpiresAt());
        assertThat(minted.getExpiresAt().getSeconds() - Instant.now().getEpochSecond()).isBetween(240L, 301L);
        assertThat(as(API).getJwks(GetJwksRequest.newBuilder().setTrustDomain("wire.test").build()).getKeyIdsList())
                .contains(minted.getKeyId());
    }

    @Test
    void mint_withBadInput_isInvalidArgument_andIssuesNothing() {
        IdentityServiceBlockingStub api = as(API);
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add("aud-" + i);
        }
        int before = audit("identity.mint_jwt_svid").size();
        Map<MintJwtSvidRequest, String> cases = Map.of(
                mint().build(), "audience: 0 values (expected: 1 to 16)",
                MintJwtSvidRequest.newBuilder().addAllAudience(seventeen).build(), "audience: 17 values (expected: 1 to 16)",
                mint("a".repeat(257)).build(), "audience[0]: 257 characters (expected: 1 to 256)",
                mint("x", "").build(), "audience[1]: 0 characters (expected: 1 to 256)",
                mint("has space").build(), "audience[0]: contains whitespace",
                mint(ORDERS).setTtl(Duration.newBuilder().setSeconds(59)).build(), "ttl: PT59S (expected: between PT1M and PT5M",
                mint(ORDERS).setTtl(Duration.newBuilder().setSeconds(301)).build(), "ttl: PT5M1S (expected: between PT1M and PT5M");
        for (var c : cases.entrySet()) {
            assertThatThrownBy(() -> api.mintJwtSvid(c.getKey())).satisfies(e -> {
                assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(status(e).getDescription()).startsWith(c.getValue());
            });
        }
        assertThat(audit("identity.mint_jwt_svid").subList(0, cases.size()))
                .allMatch(e -> e.outcome() == AuditEvent.Outcome.FAILED);
        assertThat(audit("identity.mint_jwt_svid")).hasSize(before + cases.size());
    }

    @Test
    void mint_forACallerWhoseEntryWasDeleted_isPermissionDenied_andAudited() {
        String gone = "spiffe://wire.test/ns/payments/sa/gone";
        RegistrationEntry e = entry(gone);
        IdentityServiceBlockingStub caller = as(gone);
        caller.mintJwtSvid(mint(ORDERS).build());
        registry.deleteEntry(TrustDomain.of("wire.test"), e.id());

        assertThatThrownBy(() -> caller.mintJwtSvid(mint(ORDERS).build()))
                .satisfies(x -> assertThat(status(x).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .satisfies(x -> assertThat(status(x).getDescription()).contains(gone));
        assertThat(audit("identity.mint_jwt_svid").get(0)).satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(a.actor()).isEqualTo(gone);
        });
    }

    @Test
    void validate_oneInvalidTokenRetried_isOneAuditEventForTheFirst_notOnePerCall() {
        String token = as(API).mintJwtSvid(mint(ORDERS).build()).getToken();
        String other = as(API).mintJwtSvid(mint(ORDERS).build()).getToken();
        IdentityServiceBlockingStub orders = as(ORDERS);

        for (int i = 0; i < 10; i++) {
            assertThat(orders.validateToken(validate(token, "spiffe://wire.test/ns/billing/sa/retried")).getValid()).isFalse();
        }
        assertThat(orders.validateToken(validate(other, "spiffe://wire.test/ns/billing/sa/retried")).getValid()).isFalse();

        List<AuditEvent> events = audit("identity.validate_token");
        assertThat(events).filteredOn(e -> e.target().equals(fingerprint(token))).hasSize(1)
                .allSatisfy(e -> assertThat(e.detail()).startsWith("AUDIENCE_MISMATCH").doesNotContain(token));
        assertThat(events).filteredOn(e -> e.target().equals(fingerprint(other))).hasSize(1);
    }

    private static String fingerprint(String token) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "token sha256:" + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void validate_anInvalidToken_isANormalAnswer_andAudited_butBadInputIsInvalidArgument() {
        String token = as(API).mintJwtSvid(mint(ORDERS).build()).getToken();
        IdentityServiceBlockingStub orders = as(ORDERS);

        var wrongAudience = orders.validateToken(validate(token, "spiffe://wire.test/ns/billing/sa/api"));

        assertThat(wrongAudience.getValid()).isFalse();
        assertThat(wrongAudience.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_AUDIENCE_MISMATCH);
        assertThat(wrongAudience.getReasonDetail()).contains(ORDERS).contains("spiffe://wire.test/ns/billing/sa/api");
        assertThat(wrongAudience.getSubject()).isEmpty();
        assertThat(audit("identity.validate_token").get(0).detail()).startsWith("AUDIENCE_MISMATCH: aud [" + ORDERS + "]");
        assertThat(orders.validateToken(validate("e30.e30.", ORDERS)).getReason())
                .isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_MALFORMED);
        assertThatThrownBy(() -> orders.validateToken(validate("", ORDERS)))
                .satisfies(e -> assertThat(status(e).getDescription()).startsWith("token: 0 characters"));
        assertThatThrownBy(() -> orders.validateToken(validate("a".repeat(8193), ORDERS)))
                .satisfies(e -> assertThat(status(e).getDescription()).startsWith("token: 8193 characters"));
        assertThatThrownBy(() -> orders.validateToken(validate(token, "")))
                .satisfies(e -> assertThat(status(e).getDescription()).startsWith("audience: 0 characters"));
        assertThatThrownBy(() -> orders.validateToken(validate(token, "a".repeat(257))))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void anAccessToken_whereAJwtSvidIsExpected_isInvalid_andTheReplyNamesTheValidatedType() {
        String svid = as(API).mintJwtSvid(mint(ORDERS).build()).getToken();
        String accessToken = server.getApplicationContext().getBean(TokenIssuer.class).issue(new TokenIssuer.TokenParams(
                TrustDomain.of("wire.test"), io.meshid.identity.tokens.TokenType.AT_JWT, new JWTClaimsSet.Builder().subject(API)
                .audience(ORDERS).claim("client_id", API).build(), java.time.Duration.ofMinutes(5))).token();
        IdentityServiceBlockingStub orders = as(ORDERS);

        var byDefault = orders.validateToken(validate(accessToken, ORDERS));
        var asJwtSvid = orders.validateToken(validate(accessToken, ORDERS).toBuilder().addExpectedTypes(TokenType.TOKEN_TYPE_JWT_SVID)
                .build());
        var asAccessToken = orders.validateToken(validate(accessToken, ORDERS).toBuilder()
                .addExpectedTypes(TokenType.TOKEN_TYPE_ACCESS_TOKEN).build());
        var svidEither = orders.validateToken(validate(svid, ORDERS).toBuilder().addExpectedTypes(TokenType.TOKEN_TYPE_ACCESS_TOKEN)
                .addExpectedTypes(TokenType.TOKEN_TYPE_JWT_SVID).build());
        var svidAsAccessToken = orders.validateToken(validate(svid, ORDERS).toBuilder()
                .addExpectedTypes(TokenType.TOKEN_TYPE_ACCESS_TOKEN).build());

        assertThat(byDefault.getValid()).isFalse();
        assertThat(byDefault.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_WRONG_TYPE);
        assertThat(byDefault.getReasonDetail()).isEqualTo("typ at+jwt: a ACCESS_TOKEN (expected: JWT_SVID)");
        assertThat(byDefault.getSubject()).isEmpty();
        assertThat(asJwtSvid.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_WRONG_TYPE);
        assertThat(asAccessToken.getValid()).isTrue();
        assertThat(asAccessToken.getTokenType()).isEqualTo(TokenType.TOKEN_TYPE_ACCESS_TOKEN);
        assertThat(svidEither.getValid()).isTrue();
        assertThat(svidEither.getTokenType()).isEqualTo(TokenType.TOKEN_TYPE_JWT_SVID);
        assertThat(orders.validateToken(validate(svid, ORDERS)).getTokenType()).isEqualTo(TokenType.TOKEN_TYPE_JWT_SVID);
        assertThat(svidAsAccessToken.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_WRONG_TYPE);
        assertThatThrownBy(() -> orders.validateToken(validate(svid, ORDERS).toBuilder().addExpectedTypes(TokenType.TOKEN_TYPE_UNSPECIFIED)
                .build())).satisfies(e -> {
                    assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(status(e).getDescription()).startsWith("expected_types: 0 (expected: TOKEN_TYPE_JWT_SVID (1)");
                });
    }

    @Test
    void validate_eachBadToken_isInvalidWithItsReason_andAudited() throws Exception {
        var context = server.getApplicationContext();
        TrustDomain wire = TrustDomain.of("wire.test");
        String good = as(API).mintJwtSvid(mint(ORDERS).build()).getToken();
        String[] parts = good.split("\\.");
        Instant now = Instant.now();
        java.util.function.Supplier<JWTClaimsSet.Builder> claims = () -> new JWTClaimsSet.Builder().issuer("spiffe://wire.test")
                .subject(API).audience(ORDERS).issueTime(java.util.Date.from(now)).expirationTime(java.util.Date.from(now.plusSeconds(300)))
                .jwtID("jti-" + System.nanoTime());
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker").generate();
        SignedJWT unknownKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("attacker").build(), claims.get().build());
        unknownKid.sign(new ECDSASigner(attacker));
        String kid = SignedJWT.parse(good).getHeader().getKeyID();
        byte[] publicJwk = JWKSet.parse(as(API).getJwks(GetJwksRequest.newBuilder().setTrustDomain("wire.test").build()).getJwksJson())
                .getKeyByKeyId(kid).toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT hs256 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims.get().build());
        hs256.sign(new MACSigner(publicJwk));
        String tampered = parts[0] + "." + Base64URL.encode(new JWTClaimsSet.Builder(SignedJWT.parse(good).getJWTClaimsSet())
                .subject(ADMIN).build().toString()) + "." + parts[2];
        String otherDomain = context.getBean(TokenIssuer.class).issue(new TokenIssuer.TokenParams(TrustDomain.of("other.test"),
                JOSEObjectType.JWT, new JWTClaimsSet.Builder().subject("spiffe://other.test/ns/x/sa/y").audience(ORDERS).build(),
                java.time.Duration.ofMinutes(5))).token();
        Map<String, Map.Entry<String, InvalidTokenReason>> cases = new java.util.LinkedHashMap<>();
        cases.put("alg none", Map.entry(new PlainJWT(claims.get().build()).serialize(), InvalidTokenReason.INVALID_TOKEN_REASON_BAD_SIGNATURE));
        cases.put("unknown kid", Map.entry(unknownKid.serialize(), InvalidTokenReason.INVALID_TOKEN_REASON_UNKNOWN_KEY));
        cases.put("wrong audience", Map.entry(as(API).mintJwtSvid(mint("spiffe://wire.test/ns/x/sa/other").build()).getToken(),
                InvalidTokenReason.INVALID_TOKEN_REASON_AUDIENCE_MISMATCH));
        cases.put("expired", Map.entry(JwtTestContexts.signWithActiveKey(context, wire, claims.get()
                .expirationTime(java.util.Date.from(now.minusSeconds(120))).build()), InvalidTokenReason.INVALID_TOKEN_REASON_EXPIRED));
        cases.put("tampered payload", Map.entry(tampered, InvalidTokenReason.INVALID_TOKEN_REASON_BAD_SIGNATURE));
        cases.put("HS256 with the public key", Map.entry(hs256.serialize(), InvalidTokenReason.INVALID_TOKEN_REASON_BAD_SIGNATURE));
        cases.put("another trust domain", Map.entry(otherDomain, InvalidTokenReason.INVALID_TOKEN_REASON_UNTRUSTED_ISSUER));
        cases.put("no sub", Map.entry(JwtTestContexts.signWithActiveKey(context, wire, claims.get().subject(null).build()),
                InvalidTokenReason.INVALID_TOKEN_REASON_MISSING_CLAIM));
        cases.put("no aud", Map.entry(JwtTestContexts.signWithActiveKey(context, wire, claims.get().audience((List<String>) null).build()),
                InvalidTokenReason.INVALID_TOKEN_REASON_MISSING_CLAIM));
        cases.put("no exp", Map.entry(JwtTestContexts.signWithActiveKey(context, wire, claims.get().expirationTime(null).build()),
                InvalidTokenReason.INVALID_TOKEN_REASON_MISSING_CLAIM));
        IdentityServiceBlockingStub orders = as(ORDERS);
        for (var c : cases.entrySet()) {
            var reply = orders.validateToken(validate(c.getValue().getKey(), ORDERS));

            assertThat(reply.getValid()).as(c.getKey()).isFalse();
            assertThat(reply.getReason()).as(c.getKey()).isEqualTo(c.getValue().getValue());
            assertThat(reply.getReasonDetail()).as(c.getKey()).isNotEmpty();
            assertThat(reply.getSubject()).as(c.getKey()).isEmpty();
            AuditEvent event = audit("identity.validate_token").get(0);
            assertThat(event.outcome()).as(c.getKey()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(event.actor()).isEqualTo(ORDERS);
            assertThat(event.detail()).as(c.getKey()).isEqualTo(c.getValue().getValue().name().substring("INVALID_TOKEN_REASON_".length())
                    + ": " + reply.getReasonDetail()).doesNotContain(c.getValue().getKey());
        }
    }

    @Test
    void revoke_bySubject_isSeenByValidation_andRevokingAgainSucceeds() {
        var minted = as(API).mintJwtSvid(mint(ORDERS).build());
        IdentityServiceBlockingStub api = as(API);

        var revoked = api.revokeToken(RevokeTokenRequest.newBuilder().setToken(minted.getToken()).setReason("leaked in a log").build());

        assertThat(revoked.getRevokedUntil()).isEqualTo(minted.getExpiresAt());
        var reply = as(ORDERS).validateToken(validate(minted.getToken(), ORDERS));
        assertThat(reply.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_REVOKED);
        api.revokeToken(RevokeTokenRequest.newBuilder().setToken(minted.getToken()).build());
        assertThat(audit("identity.revoke_token").get(0).detail()).doesNotContain(minted.getToken());
    }

    @Test
    void revoke_bySomeoneElse_isPermissionDenied_andTheTokenStaysValid() {
        var minted = as(API).mintJwtSvid(mint(ORDERS).build());

        assertThatThrownBy(() -> as(ORDERS).revokeToken(RevokeTokenRequest.newBuilder().setToken(minted.getToken()).build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as(API).revokeToken(RevokeTokenRequest.newBuilder().setJti("some-jti").setTrustDomain("wire.test")
                        .build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(as(ORDERS).validateToken(validate(minted.getToken(), ORDERS)).getValid()).isTrue();
        assertThat(audit("identity.revoke_token").get(0).outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
    }

    @Test
    void revoke_byJti_byAnAdmin_isSeenByValidation() throws Exception {
        var minted = as(API).mintJwtSvid(mint(ORDERS).build());
        String jti = SignedJWT.parse(minted.getToken()).getJWTClaimsSet().getJWTID();

        var reply = as(ADMIN).revokeToken(RevokeTokenRequest.newBuilder().setJti(jti).setTrustDomain("wire.test").build());

        assertThat(reply.getRevokedUntil().getSeconds() - Instant.now().getEpochSecond()).isBetween(3500L, 3601L);
        assertThat(as(ORDERS).validateToken(validate(minted.getToken(), ORDERS)).getReason())
                .isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_REVOKED);
        assertThat(as(ADMIN).revokeToken(RevokeTokenRequest.newBuilder().setToken(minted.getToken()).build()).getRevokedUntil())
                .isEqualTo(minted.getExpiresAt());
    }

    @Test
    void revoke_withBadInput_isInvalidArgument() {
        IdentityServiceBlockingStub admin = as(ADMIN);
        Map<RevokeTokenRequest, String> cases = Map.of(
                RevokeTokenRequest.getDefaultInstance(), "target: not set",
                RevokeTokenRequest.newBuilder().setJti("j").build(), "trust_domain:",
                RevokeTokenRequest.newBuilder().setJti("j").setTrustDomain("Not A Domain").build(), "trust_domain:",
                RevokeTokenRequest.newBuilder().setJti("j".repeat(129)).setTrustDomain("wire.test").build(), "jti: 129 characters",
                RevokeTokenRequest.newBuilder().setToken("e30.e30.").build(), "token: not a JWT signed by a key meshid knows",
                RevokeTokenRequest.newBuilder().setJti("j").setTrustDomain("wire.test").setReason("r".repeat(513)).build(),
                "reason: 513 characters");
        for (var c : cases.entrySet()) {
            assertThatThrownBy(() -> admin.revokeToken(c.getKey())).satisfies(e -> {
                assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(status(e).getDescription()).startsWith(c.getValue());
            });
        }
    }

    @Test
    void getJwks_ofOwnTrustDomain_hasTheActiveKey_andOthersAreRefused() throws Exception {
        var jwks = as(API).getJwks(GetJwksRequest.newBuilder().setTrustDomain("wire.test").build());

        assertThat(jwks.getKeyIdsList()).contains(jwks.getActiveKeyId());
        assertThat(jwks.getRefreshHint().getSeconds()).isEqualTo(300);
        ECKey key = (ECKey) JWKSet.parse(jwks.getJwksJson()).getKeyByKeyId(jwks.getActiveKeyId());
        assertThat(key.isPrivate()).isFalse();
        assertThat(key.getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(key.getKeyUse().identifier()).isEqualTo("sig");
        assertThatThrownBy(() -> as(API).getJwks(GetJwksRequest.newBuilder().setTrustDomain("other.test").build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> as(API).getJwks(GetJwksRequest.newBuilder().setTrustDomain("Not A Domain").build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void jwks_overHttps_verifiesAMintedToken() throws Exception {
        var minted = as(API).mintJwtSvid(mint(ORDERS).build());
        StaticSvidSource client = new StaticSvidSource(pki.svid("/ns/orders/sa/api"), pki.bundle());
        URI uri = URI.create("https://127.0.0.1:" + server.getPort() + "/.well-known/jwks.json");
        HttpsURLConnection http = (HttpsURLConnection) uri.toURL().openConnection();
        http.setSSLSocketFactory(TlsContexts.jdkClient(client, SpiffeId.parse(SERVER)::equals).getSocketFactory());
        // The server is authenticated by its SPIFFE ID (checked by the trust manager), not a host name.
        http.setHostnameVerifier((host, session) -> true);

        String body;
        try (InputStream in = http.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(http.getResponseCode()).isEqualTo(200);
        assertThat(http.getContentType()).startsWith("application/jwk-set+json");
        assertThat(http.getHeaderField("Cache-Control")).isEqualTo("public, max-age=300");
        SignedJWT jwt = SignedJWT.parse(minted.getToken());
        ECKey key = (ECKey) JWKSet.parse(body).getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
    }
}
