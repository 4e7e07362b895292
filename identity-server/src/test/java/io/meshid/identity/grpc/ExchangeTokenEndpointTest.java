package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.TestCallers;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.tokens.Revocations;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenType;
import io.meshid.identity.tokens.TokenVerifier;
import io.meshid.proto.identity.v1.ExchangeTokenRequest;
import io.meshid.proto.identity.v1.ExchangeTokenResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.micronaut.context.ApplicationContext;
import io.grpc.BindableService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ExchangeToken over the in-process transport with the real token core, rules and audit trail on
 * H2: what is issued, and every bad case of the issue, each a clear status with its OAuth reason,
 * nothing issued, and an audit event written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExchangeTokenEndpointTest {

    private static final String TD = "xchg.test";
    private static final String API = "spiffe://xchg.test/ns/shop/sa/api";
    private static final String CART = "spiffe://xchg.test/ns/shop/sa/cart";
    private static final String DB = "spiffe://xchg.test/ns/shop/sa/db";
    private static final String JWT = "urn:ietf:params:oauth:token-type:jwt";
    private static final String AT = "urn:ietf:params:oauth:token-type:access_token";
    private static final String EXTERNAL_ISS = "https://idp.corp.example";

    private final MutableClock clock = MutableClock.at(Instant.now());
    private ApplicationContext context;
    private ECKey externalKey;
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        externalKey = new ECKeyGenerator(Curve.P_256).keyID("corp-1").generate();
        Path jwks = Files.createTempFile("corp-jwks", ".json");
        Files.writeString(jwks, new JWKSet(externalKey.toPublicJWK()).toString());
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(TestDatabase.h2(), TD));
        p.put("meshid.identity.external-issuers.corp.issuer", EXTERNAL_ISS);
        p.put("meshid.identity.external-issuers.corp.jwks-file", jwks.toString());
        p.put("meshid.identity.external-issuers.corp.audience", "meshid");
        p.put("meshid.identity.external-issuers.corp.spiffe-path-prefix", "/ext/corp");
        p.put("meshid.identity.exchange.rules.gateway.actors", List.of("spiffe://xchg.test/ns/edge/sa/gateway"));
        p.put("meshid.identity.exchange.rules.gateway.subjects", List.of("spiffe://xchg.test/ext/corp/*"));
        p.put("meshid.identity.exchange.rules.gateway.audiences", List.of("spiffe://xchg.test/ns/shop/*"));
        context = ApplicationContext.builder().properties(p).singletons(clock).start();
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        context.close();
    }

    private IdentityServiceBlockingStub as(String caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        BindableService endpoint = context.getBean(IdentityServiceEndpoint.class);
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(endpoint, new ErrorMappingInterceptor(), TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return IdentityServiceGrpc.newBlockingStub(channel);
    }

    /** A meshid token of the test trust domain, signed by the token core. */
    private TokenIssuer.IssuedToken meshid(JOSEObjectType type, String sub, List<String> aud, Duration ttl, Map<String, Object> extra) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub).audience(aud);
        extra.forEach(claims::claim);
        return context.getBean(TokenIssuer.class).issue(new TokenIssuer.TokenParams(TrustDomain.of(TD), type, claims.build(), ttl));
    }

    private String svid(String sub, List<String> aud) {
        return meshid(JOSEObjectType.JWT, sub, aud, Duration.ofMinutes(30), Map.of()).token();
    }

    private String accessToken(String sub, List<String> aud, String scope, Map<String, Object> extra) {
        Map<String, Object> all = new HashMap<>(extra);
        all.put("scope", scope);
        all.put("client_id", sub);
        return meshid(TokenType.AT_JWT, sub, aud, Duration.ofMinutes(30), all).token();
    }

    private String external(String sub, List<String> aud, Map<String, Object> extra) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(EXTERNAL_ISS).subject(sub).audience(aud)
                .issueTime(Date.from(clock.instant())).expirationTime(Date.from(clock.instant().plusSeconds(120))).jwtID("corp-" + sub);
        extra.forEach(claims::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("corp-1").type(JOSEObjectType.JWT).build(),
                claims.build());
        jwt.sign(new ECDSASigner(externalKey));
        return jwt.serialize();
    }

    private JWTClaimsSet verified(String token, String audience) {
        TokenCheck check = context.getBean(TokenVerifier.class).verify(token, TokenVerifier.Expectations.anyType(TrustDomain.of(TD), audience));
        assertThat(check).isInstanceOf(TokenCheck.Valid.class);
        return ((TokenCheck.Valid) check).token().claims();
    }

    private static ExchangeTokenRequest.Builder request(String subject, String type) {
        return ExchangeTokenRequest.newBuilder().setSubjectToken(subject).setSubjectTokenType(type);
    }

    private List<AuditEvent> audit() {
        return context.getBean(AuditLog.class).find(new AuditQuery(TD, Instant.EPOCH, Optional.of("identity.exchange_token"), 1000));
    }

    /** Calls, expects the failure, and checks its reason, that nothing was issued, and that it was audited. */
    private Status refused(IdentityServiceBlockingStub stub, ExchangeTokenRequest request, Status.Code code, String reason) {
        List<AuditEvent> before = audit();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub.exchangeToken(request));
        assertThat(e).as("the exchange must fail").isNotNull();
        assertThat(e.getStatus().getCode()).as(e.getStatus().getDescription()).isEqualTo(code);
        ErrorInfo info;
        try {
            info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
        } catch (Exception x) {
            throw new AssertionError(x);
        }
        assertThat(info.getReason()).as(e.getStatus().getDescription()).isEqualTo(reason);
        AuditEvent event = added(before);
        assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
        assertThat(event.detail()).contains(reason).doesNotContain(request.getSubjectToken());
        return e.getStatus();
    }

    /** The one event written since {@code before} (the test clock stands still, so time cannot order them). */
    private AuditEvent added(List<AuditEvent> before) {
        List<AuditEvent> now = new ArrayList<>(audit());
        now.removeAll(before);
        assertThat(now).as("audit events written by the call").hasSize(1);
        return now.get(0);
    }

    @Test
    void ownJwtSvid_becomesAnAccessToken_forTheRequestedAudience() throws Exception {
        String subject = svid(API, List.of(API));
        List<AuditEvent> before = audit();
        ExchangeTokenResponse reply = as(API).exchangeToken(request(subject, JWT).addAudience(DB).build());

        JWTClaimsSet claims = verified(reply.getAccessToken(), DB);
        assertThat(SignedJWT.parse(reply.getAccessToken()).getHeader().getType()).isEqualTo(TokenType.AT_JWT);
        assertThat(claims.getSubject()).isEqualTo(API);
        assertThat(claims.getStringClaim("client_id")).isEqualTo(API);
        assertThat(claims.getClaim("act")).isNull();
        assertThat(reply.getIssuedTokenType()).isEqualTo(AT);
        assertThat(reply.getTokenType()).isEqualTo("Bearer");
        assertThat(reply.getExpiresIn().getSeconds()).isBetween(295L, 300L);
        assertThat(reply.getExpiresAt().getSeconds()).isEqualTo(claims.getExpirationTime().toInstant().getEpochSecond());
        AuditEvent event = added(before);
        assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.SUCCESS);
        assertThat(event.detail()).contains("jti " + claims.getJWTID()).contains(DB).doesNotContain(reply.getAccessToken());
    }

    @Test
    void delegation_withMayAct_nestsTheChain_andNarrowsScopes_andNeverOutlivesTheSubject() throws Exception {
        Map<String, Object> prior = Map.of("sub", "spiffe://xchg.test/ns/edge/sa/lb");
        String subject = meshid(TokenType.AT_JWT, "user-7", List.of(CART), Duration.ofSeconds(90), Map.of("scope", "orders:read orders:write",
                "client_id", CART, "act", prior, "may_act", Map.of("sub", API))).token();
        String actor = svid(API, List.of(API));

        ExchangeTokenResponse reply = as(API).exchangeToken(request(subject, AT).setActorToken(actor).setActorTokenType(JWT)
                .addAudience(DB).addScope("orders:read").build());

        JWTClaimsSet claims = verified(reply.getAccessToken(), DB);
        assertThat(claims.getSubject()).isEqualTo("user-7");
        assertThat(claims.getJSONObjectClaim("act")).isEqualTo(Map.of("sub", API, "act", prior));
        assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read");
        assertThat(reply.getScopeList()).containsExactly("orders:read");
        assertThat(claims.getExpirationTime().toInstant()).isBeforeOrEqualTo(SignedJWT.parse(subject).getJWTClaimsSet().getExpirationTime().toInstant());
        assertThat(reply.getExpiresIn().getSeconds()).isLessThanOrEqualTo(90);
    }

    @Test
    void requestedJwt_givesAJwtSvidShapedToken() throws Exception {
        ExchangeTokenResponse reply = as(API).exchangeToken(request(svid(API, List.of(API)), JWT).addAudience(DB).setRequestedTokenType(JWT).build());

        assertThat(reply.getIssuedTokenType()).isEqualTo(JWT);
        assertThat(SignedJWT.parse(reply.getAccessToken()).getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
        assertThat(verified(reply.getAccessToken(), DB).getSubject()).isEqualTo(API);
    }

    @Test
    void externalIssuersToken_isExchanged_underItsMappedSubject_byTheConfiguredRule() throws Exception {
        String subject = external("alice", List.of("meshid"), Map.of("scope", "orders:read"));
        String gateway = "spiffe://xchg.test/ns/edge/sa/gateway";

        ExchangeTokenResponse reply = as(gateway).exchangeToken(request(subject, JWT).setActorToken(svid(gateway, List.of(gateway)))
                .setActorTokenType(JWT).addAudience(CART).build());

        JWTClaimsSet claims = verified(reply.getAccessToken(), CART);
        assertThat(claims.getSubject()).isEqualTo("spiffe://xchg.test/ext/corp/alice");
        assertThat(claims.getJSONObjectClaim("act")).isEqualTo(Map.of("sub", gateway));
        assertThat(reply.getExpiresIn().getSeconds()).isLessThanOrEqualTo(120);
        refused(as(gateway), request(subject, JWT).setActorToken(svid(gateway, List.of(gateway))).setActorTokenType(JWT)
                .addAudience("spiffe://xchg.test/ns/bank/sa/core").build(), Status.Code.PERMISSION_DENIED, "UNAUTHORIZED_CLIENT");
    }

    @Test
    void anExternalTokensAct_isNotCopiedIntoTheTokenMeshidSigns() throws Exception {
        String subject = external("carol", List.of("meshid"), Map.of("act", Map.of("sub", "spiffe://xchg.test/meshid/admin",
                "act", Map.of("sub", API))));
        String gateway = "spiffe://xchg.test/ns/edge/sa/gateway";

        ExchangeTokenResponse reply = as(gateway).exchangeToken(request(subject, JWT).setActorToken(svid(gateway, List.of(gateway)))
                .setActorTokenType(JWT).addAudience(CART).build());

        JWTClaimsSet claims = verified(reply.getAccessToken(), CART);
        assertThat(claims.getSubject()).isEqualTo("spiffe://xchg.test/ext/corp/carol");
        assertThat(claims.getJSONObjectClaim("act")).isEqualTo(Map.of("sub", gateway));
    }

    @Test
    void actorThatIsNotAllowed_isPermissionDenied() throws Exception {
        String subject = accessToken("user-7", List.of(CART), "orders:read", Map.of());

        refused(as(API), request(subject, AT).setActorToken(svid(API, List.of(API))).setActorTokenType(JWT).addAudience(DB).build(),
                Status.Code.PERMISSION_DENIED, "UNAUTHORIZED_CLIENT");
    }

    @Test
    void subjectTokenNotIssuedToTheCaller_isPermissionDenied() throws Exception {
        refused(as(API), request(svid(CART, List.of(CART)), JWT).addAudience(DB).build(), Status.Code.PERMISSION_DENIED,
                "UNAUTHORIZED_CLIENT");
    }

    @Test
    void unsupportedTokenTypes_areUnsupportedTokenType() throws Exception {
        String subject = svid(API, List.of(API));
        refused(as(API), request(subject, "urn:ietf:params:oauth:token-type:id_token").build(), Status.Code.INVALID_ARGUMENT,
                "UNSUPPORTED_TOKEN_TYPE");
        refused(as(API), request(subject, JWT).setRequestedTokenType("urn:ietf:params:oauth:token-type:refresh_token").build(),
                Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_TOKEN_TYPE");
    }

    @Test
    void actorTokenWithoutActorTokenType_isInvalidRequest() throws Exception {
        refused(as(API), request(svid(API, List.of(API)), JWT).setActorToken(svid(API, List.of(API))).build(), Status.Code.INVALID_ARGUMENT,
                "INVALID_REQUEST");
    }

    @Test
    void statedTypeThatDoesNotMatchTheToken_isInvalidRequest() throws Exception {
        refused(as(API), request(svid(API, List.of(API)), AT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    }

    @Test
    void scopeBeyondTheSubjects_isInvalidScope() throws Exception {
        String subject = accessToken(API, List.of(API), "orders:read", Map.of());
        refused(as(API), request(subject, AT).addAudience(DB).addScope("orders:write").build(), Status.Code.INVALID_ARGUMENT, "INVALID_SCOPE");
    }

    @Test
    void tooManyOrTooLongAudiences_areInvalidTarget() throws Exception {
        String subject = svid(API, List.of(API));
        refused(as(API), request(subject, JWT).addAllAudience(Collections.nCopies(17, DB)).build(), Status.Code.INVALID_ARGUMENT,
                "INVALID_TARGET");
        Status status = refused(as(API), request(subject, JWT).addAudience("a".repeat(257)).build(), Status.Code.INVALID_ARGUMENT,
                "INVALID_TARGET");
        assertThat(status.getDescription()).startsWith("audience[0]: 257 characters");
    }

    @Test
    void expiredSubjectToken_isInvalidGrant() throws Exception {
        String subject = meshid(JOSEObjectType.JWT, API, List.of(API), Duration.ofMinutes(1), Map.of()).token();
        clock.advance(Duration.ofMinutes(3));
        try {
            Status status = refused(as(API), request(subject, JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT, "INVALID_GRANT");
            assertThat(status.getDescription()).contains("expired");
        } finally {
            clock.advance(Duration.ofMinutes(-3));
        }
    }

    @Test
    void revokedSubjectToken_isInvalidGrant() throws Exception {
        TokenIssuer.IssuedToken subject = meshid(JOSEObjectType.JWT, API, List.of(API), Duration.ofMinutes(5), Map.of());
        context.getBean(Revocations.class).revoke(TrustDomain.of(TD), subject.jti(), Duration.ofMinutes(5));

        assertThat(refused(as(API), request(subject.token(), JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT, "INVALID_GRANT")
                .getDescription()).contains("revoked");
    }

    @Test
    void tamperedSubjectToken_isInvalidGrant() throws Exception {
        String[] parts = svid(API, List.of(API)).split("\\.");
        String forged = Base64URL.encode(new JWTClaimsSet.Builder().subject(API).audience(API).issuer("spiffe://" + TD)
                .expirationTime(Date.from(clock.instant().plusSeconds(3600))).jwtID("forged").build().toString()).toString();

        refused(as(API), request(parts[0] + "." + forged + "." + parts[2], JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT,
                "INVALID_GRANT");
    }

    @Test
    void algNoneSubjectToken_isInvalidGrant() throws Exception {
        String[] parts = svid(API, List.of(API)).split("\\.");
        String none = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();

        refused(as(API), request(none + "." + parts[1] + ".", JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT, "INVALID_GRANT");
        refused(as(API), request(none + "." + parts[1] + "." + parts[2], JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT,
                "INVALID_GRANT");
    }

    @Test
    void tokenFromAnUnconfiguredIssuer_isInvalidGrant() throws Exception {
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("x").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("x").type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer("https://unknown.example").subject(API).audience(API).jwtID("u")
                        .expirationTime(Date.from(clock.instant().plusSeconds(60))).build());
        jwt.sign(new ECDSASigner(stranger));

        refused(as(API), request(jwt.serialize(), JWT).addAudience(DB).build(), Status.Code.INVALID_ARGUMENT, "INVALID_GRANT");
    }

    @Test
    void withoutCallerIdentity_isUnauthenticated() {
        String name = InProcessServerBuilder.generateName();
        try {
            servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(
                    context.getBean(IdentityServiceEndpoint.class), new ErrorMappingInterceptor())).build().start());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);

        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> IdentityServiceGrpc.newBlockingStub(channel)
                .exchangeToken(request("x", JWT).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
}
