package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.authz.AuthorizationInterceptor;
import io.meshid.common.authz.AuthorizationTable;
import io.meshid.common.authz.AuthorizationTables;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.Selector;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * identity-server's authorization table on the real server over mutual TLS: every bound rpc has an
 * entry; an SVID the CA marked admin (issued from an entry with admin = true) administers its trust
 * domain, the same SPIFFE ID without the mark does not; every refusal and every registry change is
 * in the audit trail, the join token's secret never.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentityAuthorizationTest {

    private static final String DOMAIN = "authz.test";
    private static final String SERVER = "spiffe://authz.test/meshid/identity-server";

    private final TestPki pki = TestPki.create(DOMAIN);
    private final List<ManagedChannel> channels = new ArrayList<>();
    private TestDatabase db;
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("meshid-authz");
        X509Svid svid = pki.svid("/meshid/identity-server");
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        db = TestDatabase.h2();
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, DOMAIN));
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
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.stop();
        db.close();
    }

    private RegistryServiceBlockingStub as(X509Svid svid) {
        StaticSvidSource source = new StaticSvidSource(svid, pki.bundle());
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getApplicationContext().getBean(GrpcEmbeddedServer.class)
                .getPort()).sslContext(TlsContexts.grpcClient(source, SpiffeId.parse(SERVER)::equals)).build();
        channels.add(c);
        return RegistryServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private List<AuditEvent> audit(String action) {
        return server.getApplicationContext().getBean(AuditLog.class).find(new AuditQuery(DOMAIN, Instant.EPOCH, Optional.of(action), 1000));
    }

    @Test
    void everyBoundRpc_hasAnEntryInTheTable() {
        var grpc = server.getApplicationContext().getBean(GrpcEmbeddedServer.class).getServer();
        AuthorizationTable table = server.getApplicationContext().getBean(AuthorizationTable.class);

        assertThat(grpc.getServices()).extracting(s -> s.getServiceDescriptor().getName())
                .contains("meshid.identity.v1.IdentityService", "meshid.identity.v1.RegistryService", "grpc.health.v1.Health");
        assertThat(AuthorizationTables.missing(grpc, table)).isEmpty();
    }

    @Test
    void anSvidMarkedAdmin_administersItsTrustDomain_andEveryChangeIsAudited() {
        RegistryServiceBlockingStub marked = as(pki.leaf("spiffe://authz.test/team/platform").admin().issue().svid());

        var entry = marked.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://authz.test/ns/pay/sa/api")
                .addSelectors(Selector.newBuilder().setType("k8s").setValue("cluster:prod"))
                .addSelectors(Selector.newBuilder().setType("k8s").setValue("ns:pay")).build()).getEntry();
        var token = marked.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build());
        marked.deleteEntry(DeleteEntryRequest.newBuilder().setId(entry.getId()).build());

        assertThat(audit("identity.entry.create")).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("spiffe://authz.test/team/platform");
            assertThat(e.target()).isEqualTo("spiffe://authz.test/ns/pay/sa/api");
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCESS);
            assertThat(e.detail()).contains(entry.getId());
        });
        assertThat(audit("identity.join_token.create")).singleElement().satisfies(e -> {
            assertThat(e.target()).isEqualTo(entry.getId());
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCESS);
            assertThat(e.toString()).doesNotContain(token.getToken());
        });
        assertThat(audit("identity.entry.delete")).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCESS));
    }

    @Test
    void theSameSpiffeIdWithoutTheMark_isRefused_andTheRefusalAudited() {
        RegistryServiceBlockingStub unmarked = as(pki.leaf("spiffe://authz.test/team/impostor").issue().svid());

        Throwable e = catchThrowable(() -> unmarked.listEntries(ListEntriesRequest.newBuilder().setTrustDomain(DOMAIN).build()));

        assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(audit(AuthorizationInterceptor.ACTION)).anySatisfy(a -> {
            assertThat(a.actor()).isEqualTo("spiffe://authz.test/team/impostor");
            assertThat(a.target()).isEqualTo("meshid.identity.v1.RegistryService/ListEntries");
        });
    }
}
