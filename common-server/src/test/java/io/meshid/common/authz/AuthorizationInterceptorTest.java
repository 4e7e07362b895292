package io.meshid.common.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.RecordingAuditLog;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.TestCallers;
import io.meshid.common.tls.TlsConfig;
import io.micronaut.context.exceptions.ConfigurationException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one interceptor over a real in-process gRPC service (health, whose Check is declared and
 * whose Watch is not): deny by default, one admin definition (configured path or the CA's admin
 * mark, own trust domain only), signers, and every refusal in the audit trail.
 */
class AuthorizationInterceptorTest {

    private static final String HOME = "home.test";
    private static final TestPki PKI = TestPki.create(HOME);
    private static final TestPki TENANT = TestPki.create("tenant.test");

    private final RecordingAuditLog audit = new RecordingAuditLog();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** The grant the handler saw on its last call. */
    private final AtomicReference<Grant> seen = new AtomicReference<>();
    /** When set, the handler refuses as the domain would (a request-dependent rule). */
    private volatile boolean domainRefuses;

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }

    private final class Health extends HealthGrpc.HealthImplBase {
        @Override
        public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
            seen.set(Grant.find().orElse(null));
            if (domainRefuses) {
                throw new MeshidException.PermissionDenied("caller may not check " + request.getService());
            }
            response.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
            response.onCompleted();
        }
    }

    private HealthGrpc.HealthBlockingStub server(CallerClass rule, ServerInterceptor caller) throws Exception {
        AuthorizationTable table = AuthorizationTable.builder().allow(HealthGrpc.getCheckMethod(), rule).build();
        MeshidConfig meshid = new MeshidConfig();
        meshid.setTrustDomain(HOME);
        SignerIdentities signers = id -> id.path().equals("/meshid/identity-server");
        ServerInterceptor authz = AuthorizationInterceptor.of(table, new Admins(meshid), signers, audit, Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        List<ServerInterceptor> chain = new ArrayList<>(List.of(new ErrorMappingInterceptor(), authz));
        if (caller != null) {
            chain.add(caller);
        }
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new Health(), chain)).build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return HealthGrpc.newBlockingStub(channel);
    }

    private static HealthCheckRequest check() {
        return HealthCheckRequest.getDefaultInstance();
    }

    private static X509Certificate leaf(TestPki pki, String id, boolean admin) {
        TestPki.LeafBuilder b = pki.leaf(id);
        return (admin ? b.admin() : b).issue().leaf();
    }

    private static Status status(Throwable e) {
        return Status.fromThrowable(e);
    }

    @Test
    void aMethodWithoutAnEntry_isRefused_evenForAnAdmin_andAudited() throws Exception {
        var stub = server(CallerClass.ANONYMOUS, TestCallers.as(SpiffeId.parse("spiffe://home.test/meshid/admin")));

        Throwable e = catchThrowable(() -> stub.watch(check()).next());

        assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status(e).getDescription()).startsWith("grpc.health.v1.Health/Watch has no entry in this server's authorization table");
        assertThat(audit.all()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo(AuthorizationInterceptor.ACTION);
            assertThat(a.target()).isEqualTo("grpc.health.v1.Health/Watch");
            assertThat(a.actor()).isEqualTo("spiffe://home.test/meshid/admin");
            assertThat(a.trustDomain()).isEqualTo(HOME);
            assertThat(a.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
        });
    }

    @Test
    void aWorkload_isRefusedAnAdminRpc_beforeTheHandlerRuns_andAudited() throws Exception {
        var stub = server(CallerClass.ADMIN, TestCallers.as(leaf(PKI, "spiffe://home.test/ns/a/sa/b", false)));

        Throwable e = catchThrowable(() -> stub.check(check()));

        assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status(e).getDescription()).startsWith("caller spiffe://home.test/ns/a/sa/b may not call grpc.health.v1.Health/Check");
        assertThat(seen.get()).isNull();
        assertThat(audit.all()).extracting(AuditEvent::actor).containsExactly("spiffe://home.test/ns/a/sa/b");
    }

    @Test
    void noCaller_isUnauthenticated_andAuditedAsAnonymous() throws Exception {
        var stub = server(CallerClass.AUTHENTICATED, null);

        assertThat(status(catchThrowable(() -> stub.check(check()))).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(audit.all()).singleElement().satisfies(a -> {
            assertThat(a.actor()).isEqualTo("anonymous");
            assertThat(a.trustDomain()).isEqualTo(HOME);
        });
    }

    @Test
    void anonymousRule_letsACallerWithoutIdentityIn() throws Exception {
        assertThat(server(CallerClass.ANONYMOUS, null).check(check()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(audit.all()).isEmpty();
    }

    @Test
    void admin_byConfiguredPath_orByTheCasAdminMark_isAdmin() throws Exception {
        server(CallerClass.ADMIN, TestCallers.as(SpiffeId.parse("spiffe://home.test/meshid/admin"))).check(check());
        assertThat(seen.get().has(CallerClass.ADMIN)).isTrue();

        server(CallerClass.ADMIN, TestCallers.as(leaf(PKI, "spiffe://home.test/team/platform", true))).check(check());
        assertThat(seen.get().caller()).isEqualTo(SpiffeId.parse("spiffe://home.test/team/platform"));
        assertThat(audit.all()).isEmpty();
    }

    @Test
    void theSameSpiffeIdWithoutTheMark_isNotAdmin() throws Exception {
        var stub = server(CallerClass.ADMIN, TestCallers.as(leaf(PKI, "spiffe://home.test/team/platform", false)));

        assertThat(status(catchThrowable(() -> stub.check(check()))).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aMarkedAdminOfATenant_isNoSystemAdmin() throws Exception {
        var tenantAdmin = server(CallerClass.SYSTEM_ADMIN, TestCallers.as(leaf(TENANT, "spiffe://tenant.test/ops", true)));
        assertThat(status(catchThrowable(() -> tenantAdmin.check(check()))).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

        server(CallerClass.SYSTEM_ADMIN, TestCallers.as(leaf(PKI, "spiffe://home.test/ops", true))).check(check());
        assertThat(seen.get().has(CallerClass.SYSTEM_ADMIN)).isTrue();
    }

    @Test
    void signers_areWhomSignerIdentitiesNames_andAdminsAreNoSigners() throws Exception {
        server(CallerClass.SIGNER, TestCallers.as(SpiffeId.parse("spiffe://home.test/meshid/identity-server"))).check(check());
        assertThat(seen.get().has(CallerClass.SIGNER)).isTrue();

        var admin = server(CallerClass.SIGNER, TestCallers.as(SpiffeId.parse("spiffe://home.test/meshid/admin")));
        assertThat(status(catchThrowable(() -> admin.check(check()))).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aRefusalByTheDomain_afterTheTableLetTheCallerIn_isAuditedToo() throws Exception {
        domainRefuses = true;
        var stub = server(CallerClass.AUTHENTICATED, TestCallers.as(SpiffeId.parse("spiffe://home.test/ns/a/sa/b")));

        assertThat(status(catchThrowable(() -> stub.check(check()))).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(audit.all()).singleElement().satisfies(a -> {
            assertThat(a.target()).isEqualTo("grpc.health.v1.Health/Check");
            assertThat(a.detail()).isEqualTo("PERMISSION_DENIED: caller may not check ");
        });
    }

    @Test
    void anAnonymousMethodThatTheTableDoesNotLetAnyoneCall_stopsStartUp() {
        AuthorizationTable table = AuthorizationTable.builder().allow(HealthGrpc.getCheckMethod(), CallerClass.ADMIN).build();
        TlsConfig tls = new TlsConfig();
        tls.setAnonymousMethods(List.of("grpc.health.v1.Health/Check"));

        assertThatThrownBy(() -> new AuthorizationInterceptor(table, new Admins(new MeshidConfig()), null, audit, Clock.systemUTC(), tls))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.tls.anonymous-methods: grpc.health.v1.Health/Check is not ANONYMOUS");
    }

    @Test
    void aTableListingAMethodTwice_orWithNoClass_isRefused() {
        assertThatThrownBy(() -> AuthorizationTable.builder().allow(HealthGrpc.getCheckMethod(), CallerClass.ADMIN)
                .allow(HealthGrpc.getCheckMethod(), CallerClass.ANONYMOUS)).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> AuthorizationTable.builder().allow(HealthGrpc.getCheckMethod())).hasMessageContaining("no caller class");
    }

    @Test
    void completenessCheck_namesEveryBoundMethodWithoutAnEntry() {
        AuthorizationTable table = AuthorizationTable.builder().allow(HealthGrpc.getCheckMethod(), CallerClass.ANONYMOUS).build();

        assertThat(AuthorizationTables.missing(List.of(new Health().bindService()), table)).containsExactly("grpc.health.v1.Health/Watch");
        assertThat(AuthorizationTables.missing(List.of(new Health().bindService()),
                AuthorizationTable.builder().standardServices().build())).isEmpty();
    }
}
