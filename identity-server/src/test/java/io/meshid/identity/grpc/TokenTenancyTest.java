package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.TestCallers;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.identity.v1.GetJwksRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.InvalidTokenReason;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.micronaut.context.ApplicationContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Trust domains as tenants of one identity-server: a workload or admin of one cannot read,
 * use or revoke another's keys and tokens. Over the in-process transport, because a TLS server
 * trusts one trust domain's bundle and callers of a second trust domain could not even connect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenTenancyTest {

    private TestDatabase db;
    private ApplicationContext context;
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() {
        db = TestDatabase.h2();
        context = ApplicationContext.run(JwtTestContexts.properties(db, "a.test"));
        Registry registry = context.getBean(Registry.class);
        registry.createEntry(new EntryParams(SpiffeId.parse("spiffe://a.test/ns/x/sa/api"), List.of(), Optional.empty(),
                Optional.empty(), List.of(), false, "test"));
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        context.close();
        db.close();
    }

    private IdentityServiceBlockingStub as(String caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(context.getBean(IdentityServiceEndpoint.class), new ErrorMappingInterceptor(),
                        TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return IdentityServiceGrpc.newBlockingStub(channel);
    }

    private static Status.Code code(Throwable e) {
        return ((StatusRuntimeException) e).getStatus().getCode();
    }

    @Test
    void anotherTrustDomainsAdmin_cannotGetTheJwks_norRevokeByJti() throws Exception {
        IdentityServiceBlockingStub stranger = as("spiffe://b.test/meshid/admin");

        assertThatThrownBy(() -> stranger.getJwks(GetJwksRequest.newBuilder().setTrustDomain("a.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> stranger.revokeToken(RevokeTokenRequest.newBuilder().setJti("j1").setTrustDomain("a.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void anotherTrustDomainsAdmin_cannotRevokeThisOnesToken() throws Exception {
        String token = as("spiffe://a.test/ns/x/sa/api").mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("svc").build()).getToken();

        assertThatThrownBy(() -> as("spiffe://b.test/meshid/admin").revokeToken(RevokeTokenRequest.newBuilder().setToken(token).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(as("spiffe://a.test/ns/y/sa/svc").validateToken(ValidateTokenRequest.newBuilder().setToken(token).setAudience("svc")
                .build()).getValid()).isTrue();
    }

    @Test
    void aTokenOfThisTrustDomain_isUntrusted_forAWorkloadOfAnother() throws Exception {
        String token = as("spiffe://a.test/ns/x/sa/api").mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("svc").build()).getToken();

        var reply = as("spiffe://b.test/ns/y/sa/svc").validateToken(ValidateTokenRequest.newBuilder().setToken(token).setAudience("svc")
                .build());

        assertThat(reply.getValid()).isFalse();
        assertThat(reply.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_UNTRUSTED_ISSUER);
        assertThat(reply.getReasonDetail()).contains("spiffe://a.test").contains("spiffe://b.test");
    }

    @Test
    void anUnregisteredTrustDomain_isNotFound_forItsOwnCallers() throws Exception {
        IdentityServiceBlockingStub ghost = as("spiffe://ghost.test/meshid/admin");

        assertThatThrownBy(() -> ghost.getJwks(GetJwksRequest.newBuilder().setTrustDomain("ghost.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> ghost.revokeToken(RevokeTokenRequest.newBuilder().setJti("j1").setTrustDomain("ghost.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void aWorkloadWithoutAnEntry_cannotMint() throws Exception {
        assertThatThrownBy(() -> as("spiffe://b.test/ns/x/sa/api").mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("svc").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
}
