package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.identity.v1.ExchangeTokenRequest;
import io.meshid.proto.identity.v1.ExchangeTokenResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ExchangeToken over real mutual TLS, end to end with the other token rpcs: a workload mints its
 * JWT-SVID, exchanges it, and the audience validates the new token; refusals arrive with their
 * ErrorInfo reason in the status details on the wire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExchangeOverMutualTlsTest {

    private static final String API = "spiffe://wire-x.test/ns/shop/sa/api";
    private static final String DB = "spiffe://wire-x.test/ns/shop/sa/db";
    private static final String CART = "spiffe://wire-x.test/ns/shop/sa/cart";
    private static final String SERVER = "spiffe://wire-x.test/meshid/identity-server";
    private static final String JWT = "urn:ietf:params:oauth:token-type:jwt";

    private final TestPki pki = TestPki.create("wire-x.test");
    private final List<ManagedChannel> channels = new ArrayList<>();
    private TestDatabase db;
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("meshid-exchange");
        X509Svid svid = pki.svid("/meshid/identity-server");
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        db = TestDatabase.h2();
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, "wire-x.test"));
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        server = ApplicationContext.run(EmbeddedServer.class, p);
        Registry registry = server.getApplicationContext().getBean(Registry.class);
        for (String id : List.of(API, DB, CART)) {
            registry.createEntry(new EntryParams(SpiffeId.parse(id), List.of(), Optional.empty(), Optional.empty(), List.of(), false, "test"));
        }
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.stop();
        db.close();
    }

    private IdentityServiceBlockingStub as(String caller) {
        StaticSvidSource source = new StaticSvidSource(pki.svid(SpiffeId.parse(caller).path()), pki.bundle());
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getApplicationContext().getBean(GrpcEmbeddedServer.class)
                .getPort()).sslContext(TlsContexts.grpcClient(source, SpiffeId.parse(SERVER)::equals)).build();
        channels.add(c);
        return IdentityServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static String reason(StatusRuntimeException e) throws Exception {
        return StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class).getReason();
    }

    @Test
    void mintedSvid_isExchanged_andTheAudienceValidatesTheNewToken() {
        IdentityServiceBlockingStub api = as(API);
        String svid = api.mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(API).build()).getToken();

        ExchangeTokenResponse exchanged = api.exchangeToken(ExchangeTokenRequest.newBuilder().setSubjectToken(svid)
                .setSubjectTokenType(JWT).addAudience(DB).build());

        var validated = as(DB).validateToken(ValidateTokenRequest.newBuilder().setToken(exchanged.getAccessToken()).setAudience(DB)
                .addExpectedTypes(io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_ACCESS_TOKEN).build());
        assertThat(validated.getValid()).as(validated.getReasonDetail()).isTrue();
        assertThat(validated.getSubject()).isEqualTo(API);
        assertThat(validated.getClaims().getFieldsOrThrow("client_id").getStringValue()).isEqualTo(API);
    }

    @Test
    void someoneElsesToken_isRefused_withUnauthorizedClientOnTheWire() throws Exception {
        String dbToken = as(DB).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(DB).build()).getToken();

        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> as(API).exchangeToken(
                ExchangeTokenRequest.newBuilder().setSubjectToken(dbToken).setSubjectTokenType(JWT).addAudience(API).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(reason(e)).isEqualTo("UNAUTHORIZED_CLIENT");
    }

    @Test
    void revokedThroughRevokeToken_isInvalidGrant() throws Exception {
        IdentityServiceBlockingStub api = as(API);
        String svid = api.mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(API).build()).getToken();
        api.revokeToken(RevokeTokenRequest.newBuilder().setToken(svid).setReason("leaked").build());

        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> api.exchangeToken(
                ExchangeTokenRequest.newBuilder().setSubjectToken(svid).setSubjectTokenType(JWT).addAudience(DB).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(reason(e)).isEqualTo("INVALID_GRANT");
        assertThat(e.getStatus().getDescription()).contains("revoked");
    }

    /**
     * The review's attack on the wire: API sends DB a JWT-SVID for DB; DB exchanges it with no
     * actor token. DB must not get a JWT-SVID of API, and the access token it does get names DB
     * as the actor, so CART never takes DB for API.
     */
    @Test
    void recipientOfAJwtSvid_neverComesOutAsTheSender() throws Exception {
        String forDb = as(API).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(DB).build()).getToken();
        IdentityServiceBlockingStub db = as(DB);

        StatusRuntimeException asSvid = catchThrowableOfType(StatusRuntimeException.class, () -> db.exchangeToken(
                ExchangeTokenRequest.newBuilder().setSubjectToken(forDb).setSubjectTokenType(JWT).addAudience(CART)
                        .setRequestedTokenType(JWT).build()));
        assertThat(asSvid.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(reason(asSvid)).isEqualTo("UNAUTHORIZED_CLIENT");

        ExchangeTokenResponse delegated = db.exchangeToken(ExchangeTokenRequest.newBuilder().setSubjectToken(forDb)
                .setSubjectTokenType(JWT).addAudience(CART).build());
        var validated = as(CART).validateToken(ValidateTokenRequest.newBuilder().setToken(delegated.getAccessToken())
                .setAudience(CART).addExpectedTypes(io.meshid.proto.identity.v1.TokenType.TOKEN_TYPE_ACCESS_TOKEN).build());
        assertThat(validated.getValid()).as(validated.getReasonDetail()).isTrue();
        assertThat(validated.getSubject()).isEqualTo(API);
        assertThat(validated.getClaims().getFieldsOrThrow("act").getStructValue().getFieldsOrThrow("sub").getStringValue())
                .isEqualTo(DB);
        assertThat(validated.getClaims().getFieldsOrThrow("client_id").getStringValue()).isEqualTo(DB);
    }

    /** CART's token for DB, as subject and as actor: DB must not pass itself off as CART's actor. */
    @Test
    void actorTokenIssuedToTheCaller_butNotItsOwn_isRefused() throws Exception {
        String cartForDb = as(CART).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(DB).build()).getToken();

        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> as(DB).exchangeToken(
                ExchangeTokenRequest.newBuilder().setSubjectToken(cartForDb).setSubjectTokenType(JWT).setActorToken(cartForDb)
                        .setActorTokenType(JWT).addAudience(CART).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).startsWith("actor_token:");
    }
}
