package io.meshid.ca.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.KubernetesServiceAccountToken;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CA's door for the servers' own identities, over real TLS, as an attacker would try it: a
 * server join token gives exactly the server identity it names, once; a used, unknown or
 * tampered token (a row written or changed with database access but without the key-encryption
 * key) gives nothing; tokens are made only for server identities (never an admin, the CA, or a
 * workload); only a server renews, and only its own identity; the rest of IdentityService is not
 * served by the CA; the first admin is minted once per trust domain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerIdentitiesTest {

    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://ca.test/meshid/policy-server");
    private static final SpiffeId IDENTITY = SpiffeId.parse("spiffe://ca.test/meshid/identity-server");

    private CaServer server;
    private ServerIdentities servers;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of());
        servers = server.context().getBean(ServerIdentities.class);
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    private IdentityServiceBlockingStub anonymous() throws Exception {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
        channels.add(c);
        return IdentityServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private IdentityServiceBlockingStub as(String id) {
        ManagedChannel c = server.channelAs(id);
        channels.add(c);
        return IdentityServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static AttestRequest attest(String token) throws Exception {
        return AttestRequest.newBuilder().setJoinToken(token).setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build();
    }

    private static X509Certificate leaf(io.meshid.proto.common.v1.X509Svid svid) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(svid.getCertChain(0).toByteArray()));
    }

    private static void assertCode(Runnable call, Status.Code code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
    }

    @Test
    void attest_withAServerToken_issuesExactlyThatIdentity_once() throws Exception {
        String token = servers.createToken(POLICY, Duration.ofMinutes(10));

        var reply = anonymous().attest(attest(token));

        assertThat(reply.getSvid().getSpiffeId()).isEqualTo(POLICY.toString());
        assertThat(leaf(reply.getSvid()).getBasicConstraints()).isEqualTo(-1);
        assertThat(reply.getTrustBundle().getTrustDomain()).isEqualTo("ca.test");
        AttestRequest again = attest(token);
        IdentityServiceBlockingStub stub = anonymous();
        assertCode(() -> stub.attest(again), Status.Code.UNAUTHENTICATED);
    }

    @Test
    void attest_withABadCsr_isRefused_andLeavesTheTokenUnused() throws Exception {
        String token = servers.createToken(POLICY, Duration.ofMinutes(10));
        AttestRequest bad = AttestRequest.newBuilder().setJoinToken(token).setCsr(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
        IdentityServiceBlockingStub stub = anonymous();

        assertCode(() -> stub.attest(bad), Status.Code.INVALID_ARGUMENT);
        assertThat(stub.attest(attest(token)).getSvid().getSpiffeId()).isEqualTo(POLICY.toString());
    }

    @Test
    void attest_askingForAnotherIdentityThanTheToken_isDenied() throws Exception {
        AttestRequest request = attest(servers.createToken(POLICY, Duration.ofMinutes(10))).toBuilder()
                .setSpiffeId(IDENTITY.toString()).build();
        IdentityServiceBlockingStub stub = anonymous();

        assertCode(() -> stub.attest(request), Status.Code.PERMISSION_DENIED);
    }

    @Test
    void attest_withUnknownTokenOrKubernetesEvidenceOfNoCluster_isRefused() throws Exception {
        IdentityServiceBlockingStub stub = anonymous();
        AttestRequest unknown = attest("not-a-token");
        AttestRequest kubernetes = AttestRequest.newBuilder().setKubernetes(KubernetesServiceAccountToken.newBuilder()
                .setCluster("c").setToken("x")).setCsr(unknown.getCsr()).build();

        assertCode(() -> stub.attest(unknown), Status.Code.UNAUTHENTICATED);
        assertCode(() -> stub.attest(kubernetes), Status.Code.UNAUTHENTICATED);
    }

    @Test
    void aTokenRowWrittenWithDatabaseAccessOnly_grantsNothing() throws Exception {
        DataSource db = DelegatingDataSource.unwrapDataSource(server.context().getBean(DataSource.class));
        // A row forged from scratch: the attacker knows its token, but cannot seal the grant.
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO ca_server_token "
                + "(token_sha256, spiffe_id, expires_at, sealed_grant, created_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, ServerTokens.sha256("forged-token"));
            ps.setString(2, IDENTITY.toString());
            ps.setTimestamp(3, Timestamp.from(Instant.now().plusSeconds(600)));
            ps.setBytes(4, new byte[64]);
            ps.setTimestamp(5, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        // A real policy-server token whose row is re-pointed at identity-server (a signer).
        String real = servers.createToken(POLICY, Duration.ofMinutes(10));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE ca_server_token SET spiffe_id = ? WHERE token_sha256 = ?")) {
            ps.setString(1, IDENTITY.toString());
            ps.setString(2, ServerTokens.sha256(real));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        IdentityServiceBlockingStub stub = anonymous();
        AttestRequest forged = attest("forged-token");
        AttestRequest moved = attest(real);

        assertCode(() -> stub.attest(forged), Status.Code.UNAUTHENTICATED);
        assertCode(() -> stub.attest(moved), Status.Code.UNAUTHENTICATED);
    }

    @Test
    void tokens_areMadeForServerIdentitiesOnly() {
        for (String id : List.of("spiffe://ca.test/meshid/admin", "spiffe://ca.test/meshid/cert-authority",
                "spiffe://ca.test/ns/a/sa/b", "spiffe://other.test/meshid/policy-server", "spiffe://ca.test/meshid/anything")) {
            assertThatThrownBy(() -> servers.createToken(SpiffeId.parse(id), Duration.ofMinutes(10)))
                    .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining(id);
        }
    }

    @Test
    void renew_isForAServerItsOwnIdentity_only() throws Exception {
        var renewed = as(POLICY.toString()).renewX509Svid(RenewX509SvidRequest.newBuilder()
                .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build());
        assertThat(renewed.getSvid().getSpiffeId()).isEqualTo(POLICY.toString());

        RenewX509SvidRequest request = RenewX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build();
        for (String caller : List.of("spiffe://ca.test/ns/a/sa/b", "spiffe://ca.test/meshid/admin", "spiffe://ca.test/meshid/policy-server/x")) {
            IdentityServiceBlockingStub stub = as(caller);
            assertCode(() -> stub.renewX509Svid(request), Status.Code.PERMISSION_DENIED);
        }
        IdentityServiceBlockingStub nobody = anonymous();
        assertCode(() -> nobody.renewX509Svid(request), Status.Code.UNAUTHENTICATED);
    }

    @Test
    void theRestOfIdentityService_isNotServedByTheCa() {
        IdentityServiceBlockingStub stub = as(POLICY.toString());

        assertCode(() -> stub.mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("x").build()), Status.Code.UNIMPLEMENTED);
    }

    @Test
    void theFirstAdmin_isMintedOncePerTrustDomain_unlessAgain() {
        FirstAdmin first = server.context().getBean(FirstAdmin.class);

        FirstAdmin.Minted minted = first.mint(Duration.ofMinutes(30), false, "test");

        assertThat(minted.svid().spiffeId().toString()).isEqualTo("spiffe://ca.test/meshid/admin");
        assertThat(minted.bundle().authorities()).isNotEmpty();
        assertThatThrownBy(() -> first.mint(Duration.ofMinutes(30), false, "test"))
                .isInstanceOf(MeshidException.FailedPrecondition.class).hasMessageContaining("was bootstrapped already")
                .hasMessageContaining(minted.svid().leaf().getSerialNumber().toString(16));
        assertThat(first.mint(Duration.ofMinutes(30), true, "test").svid().leaf().getSerialNumber())
                .isNotEqualTo(minted.svid().leaf().getSerialNumber());
        assertThatThrownBy(() -> first.mint(Duration.ofDays(2), true, "test")).isInstanceOf(MeshidException.InvalidArgument.class);
    }

    @Test
    void serverIdentitiesSetting_refusesTheCaAndAdminPaths() {
        for (String bad : List.of("/meshid/admin", "/MESHID/Admin", "/meshid/cert-authority", "/Meshid/Cert-Authority", "/ns/a/sa/b",
                "/meshid/", "/meshid")) {
            assertThatThrownBy(() -> ServerIdentities.checkedPaths(List.of(bad), List.of("/meshid/admin")))
                    .isInstanceOf(io.micronaut.context.exceptions.ConfigurationException.class)
                    .hasMessageStartingWith("meshid.ca.server-identities: " + bad + " (expected:");
        }
        assertThat(ServerIdentities.checkedPaths(List.of("/meshid/policy-server"), List.of("/meshid/admin"))).containsExactly("/meshid/policy-server");
    }
}
