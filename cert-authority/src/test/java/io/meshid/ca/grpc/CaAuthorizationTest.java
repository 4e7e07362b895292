package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.authz.AdminMark;
import io.meshid.common.authz.AuthorizationInterceptor;
import io.meshid.common.authz.AuthorizationTable;
import io.meshid.common.authz.AuthorizationTables;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityBlockingStub;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * cert-authority's authorization table on the real server over mutual TLS: every bound rpc has an
 * entry; only a signer (identity-server) has admin SVIDs signed; an SVID the CA marked admin is an
 * admin here as on every server, the same SPIFFE ID without the mark is not, and the refusal is
 * audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaAuthorizationTest {

    private static final String IDENTITY_SERVER = "spiffe://ca.test/meshid/identity-server";
    private static final String ADMIN = "spiffe://ca.test/meshid/admin";
    private static final String OPS = "spiffe://ca.test/team/ops";

    private CaServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of());
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    private CertificateAuthorityBlockingStub stub(ManagedChannel channel) {
        channels.add(channel);
        return CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private CertificateAuthorityBlockingStub as(X509Svid svid) {
        SvidSource own = server.context().getBean(SvidSource.class);
        SpiffeId expected = SpiffeId.parse("spiffe://" + CaServer.DOMAIN + "/meshid/cert-authority");
        return stub(NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(TlsContexts.grpcClient(new StaticSvidSource(svid, own.bundle()), expected::equals)).build());
    }

    /** Has the CA sign an SVID of {@code id} through {@code signer}, for a fresh key that the test keeps. */
    private static X509Svid sign(CertificateAuthorityBlockingStub signer, String id, boolean admin) throws Exception {
        KeyPair key = Csrs.ec("secp256r1");
        var reply = signer.signX509Svid(SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(key)))
                .setSpiffeId(id).setAdmin(admin).build());
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der.toByteArray())));
        }
        return X509Svid.of(chain, key.getPrivate());
    }

    @Test
    void everyBoundRpc_hasAnEntryInTheTable() {
        var grpc = server.context().getBean(GrpcEmbeddedServer.class).getServer();

        assertThat(grpc.getServices()).extracting(s -> s.getServiceDescriptor().getName())
                .contains("meshid.ca.v1.CertificateAuthority", "grpc.health.v1.Health");
        assertThat(AuthorizationTables.missing(grpc, server.context().getBean(AuthorizationTable.class))).isEmpty();
    }

    @Test
    void onlyASigner_hasAdminSvidsSigned() throws Exception {
        X509Svid marked = sign(stub(server.channelAs(IDENTITY_SERVER)), OPS, true);
        assertThat(AdminMark.isMarked(marked.leaf())).isTrue();
        assertThat(AdminMark.isMarked(sign(stub(server.channelAs(IDENTITY_SERVER)), OPS, false).leaf())).isFalse();

        Throwable byAdmin = catchThrowable(() -> sign(stub(server.channelAs(ADMIN)), OPS, true));
        assertThat(Status.fromThrowable(byAdmin).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(Status.fromThrowable(byAdmin).getDescription()).startsWith("admin: true from " + ADMIN);
    }

    @Test
    void anSvidMarkedAdmin_isAnAdminHere_theSameIdWithoutTheMark_isNot() throws Exception {
        CertificateAuthorityBlockingStub signer = stub(server.channelAs(IDENTITY_SERVER));
        Instant before = Instant.now().minusSeconds(1);

        assertThat(as(sign(signer, OPS, true)).listIssued(ListIssuedRequest.newBuilder().setPageSize(1).build())
                .getCertificatesCount()).isEqualTo(1);
        Throwable unmarked = catchThrowable(() -> as(sign(signer, OPS, false)).listIssued(ListIssuedRequest.getDefaultInstance()));

        assertThat(Status.fromThrowable(unmarked).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(server.context().getBean(AuditLog.class).find(new AuditQuery(CaServer.DOMAIN, before,
                Optional.of(AuthorizationInterceptor.ACTION), 100))).anySatisfy(e -> {
                    assertThat(e.actor()).isEqualTo(OPS);
                    assertThat(e.target()).isEqualTo("meshid.ca.v1.CertificateAuthority/ListIssued");
                });
    }
}
