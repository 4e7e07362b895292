package io.meshid.ca.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.CaConfig;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.kubernetes.K8sTokens;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.KubernetesServiceAccountToken;
import io.micronaut.context.exceptions.ConfigurationException;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CA's {@code Attest} with Kubernetes service account tokens, over real TLS, as an attacker
 * would try it: deny by default (an account of no grant, a cluster not configured), a token made
 * for identity-server (or for the CA and someone else) is worth nothing here, nor an expired,
 * forged, unsigned or foreign-issuer token; a granted account gets exactly its identity, never
 * another, an admin or the CA's; and it may attest again (a restarted server needs no new token).
 * Refusals are audited with the token's fingerprint, never the token, folded when repeated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerKubernetesAttestTest {

    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://ca.test/meshid/policy-server");
    private static final SpiffeId IDENTITY = SpiffeId.parse("spiffe://ca.test/meshid/identity-server");
    static final String CA_AUDIENCE = "spiffe://ca.test/meshid/cert-authority";

    private Path dir;
    private K8sTokens issuer;
    private K8sTokens otherCluster;
    private CaServer server;
    private ManagedChannel channel;

    /** The CA's settings for cluster {@code prod} of {@code issuer}, granting policy-server's and identity-server's accounts. */
    static Map<String, Object> clusterSettings(K8sTokens issuer) {
        String key = ServerCluster.PREFIX + ".prod.";
        return Map.of(key + "issuer", issuer.issuerUrl(), key + "jwks-file", issuer.jwksFile().toString(),
                key + "service-accounts", List.of("meshid:policy-server=/meshid/policy-server",
                        "meshid:identity-server=/meshid/identity-server"));
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("ca-k8s");
        issuer = K8sTokens.issuer(dir.resolve("jwks.json"));
        otherCluster = K8sTokens.issuer(dir.resolve("other-jwks.json"), "https://other.k8s.example");
        server = new CaServer(TestDatabase.h2(), clusterSettings(issuer));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
    }

    @AfterAll
    void stop() {
        channel.shutdownNow();
        server.close();
    }

    private IdentityServiceBlockingStub stub() {
        return IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private String token(String namespace, String account) throws Exception {
        return issuer.token(namespace, account, Instant.now(), b -> b.audience(CA_AUDIENCE));
    }

    private static AttestRequest attest(String cluster, String token) throws Exception {
        return AttestRequest.newBuilder().setKubernetes(KubernetesServiceAccountToken.newBuilder().setCluster(cluster).setToken(token))
                .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build();
    }

    private void assertRefused(AttestRequest request, Status.Code code, String reason) {
        assertThatThrownBy(() -> stub().attest(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(reason);
        });
    }

    @Test
    void aTokenForIdentityServersAudience_cannotBeReplayedAtTheCa() throws Exception {
        Instant now = Instant.now();
        assertRefused(attest("prod", issuer.token("meshid", "policy-server", now)), Status.Code.UNAUTHENTICATED, "aud claim rejected");
        assertRefused(attest("prod", issuer.token("meshid", "policy-server", now, b -> b.audience(List.of(CA_AUDIENCE,
                K8sTokens.AUDIENCE)))), Status.Code.UNAUTHENTICATED, "aud names 2 audiences");
    }

    @Test
    void expiredForgedUnsignedAndForeignTokens_areRefused() throws Exception {
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        assertRefused(attest("prod", issuer.token("meshid", "policy-server", hourAgo, b -> b.audience(CA_AUDIENCE)
                .expirationTime(Date.from(hourAgo.plusSeconds(600))))), Status.Code.UNAUTHENTICATED, "Expired");
        assertRefused(attest("prod", issuer.token("meshid", "policy-server", Instant.now(), b -> b.audience(CA_AUDIENCE)
                .issuer("https://evil.example"))), Status.Code.UNAUTHENTICATED, "iss claim value rejected");
        assertRefused(attest("prod", issuer.forged("meshid", "policy-server", Instant.now())), Status.Code.UNAUTHENTICATED,
                "Invalid signature");
        assertRefused(attest("prod", K8sTokens.unsigned("meshid", "policy-server", Instant.now())), Status.Code.UNAUTHENTICATED,
                "refused");
        // Another cluster's token, its issuer's key unknown here, presented as prod's.
        assertRefused(attest("prod", otherCluster.token("meshid", "policy-server", Instant.now(), b -> b.audience(CA_AUDIENCE))),
                Status.Code.UNAUTHENTICATED, "refused");
        assertRefused(attest("staging", token("meshid", "policy-server")), Status.Code.UNAUTHENTICATED, "not a configured cluster");
    }

    @Test
    void anAccountOfNoGrant_getsNothing() throws Exception {
        assertRefused(attest("prod", token("meshid", "default")), Status.Code.PERMISSION_DENIED, "is granted no server identity");
        assertRefused(attest("prod", token("payments", "policy-server")), Status.Code.PERMISSION_DENIED, "is granted no server identity");
    }

    @Test
    void aGrantedAccount_askingForAnotherIdentity_anAdminOrTheCa_isDenied() throws Exception {
        for (String other : List.of(IDENTITY.toString(), "spiffe://ca.test/meshid/admin", CA_AUDIENCE, "spiffe://ca.test/ns/a/sa/b")) {
            AttestRequest request = attest("prod", token("meshid", "policy-server")).toBuilder().setSpiffeId(other).build();
            assertRefused(request, Status.Code.PERMISSION_DENIED, "expected: " + POLICY);
        }
    }

    @Test
    void aGrantedAccount_getsExactlyItsIdentity_andAttestsAgainWithTheSameToken() throws Exception {
        String token = token("meshid", "policy-server");

        var first = stub().attest(attest("prod", token));
        var again = stub().attest(attest("prod", token).toBuilder().setSpiffeId(POLICY.toString()).build());

        assertThat(first.getSvid().getSpiffeId()).isEqualTo(POLICY.toString());
        assertThat(again.getSvid().getSpiffeId()).isEqualTo(POLICY.toString());
        assertThat(again.getSvid().getSerialNumber()).isNotEqualTo(first.getSvid().getSerialNumber());
        assertThat(stub().attest(attest("prod", token("meshid", "identity-server"))).getSvid().getSpiffeId())
                .isEqualTo(IDENTITY.toString());
    }

    @Test
    void refusalsAndGrants_areAudited_withTheTokensFingerprint_neverTheToken() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String unmapped = token("audit", "nobody");
        String granted = token("meshid", "policy-server");
        for (int i = 0; i < 3; i++) {
            assertRefused(attest("prod", unmapped), Status.Code.PERMISSION_DENIED, "granted no server identity");
        }
        stub().attest(attest("prod", granted));

        List<AuditEvent> events = server.context().getBean(AuditLog.class).find(new AuditQuery(CaServer.DOMAIN, before,
                Optional.of(ServerIdentities.ATTEST_ACTION), 100));
        assertThat(events).noneSatisfy(e -> assertThat(e.target() + e.detail()).contains(unmapped))
                .noneSatisfy(e -> assertThat(e.target() + e.detail()).contains(granted));
        assertThat(events).filteredOn(e -> e.target().equals("kubernetes token " + ServerIdentities.fingerprint(unmapped)))
                .as("the same refused token three times: one row").singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("audit:nobody of cluster prod").contains("from 127.0.0.1"));
        assertThat(events).filteredOn(e -> e.outcome() == AuditEvent.Outcome.SUCCESS
                && e.detail().contains(ServerIdentities.fingerprint(granted))).singleElement().satisfies(e -> {
                    assertThat(e.target()).isEqualTo(POLICY.toString());
                    assertThat(e.detail()).contains("of prod/meshid/policy-server");
                });
    }

    @Test
    void withNoClusterConfigured_kubernetesEvidenceIsRefused() throws Exception {
        try (CaServer plain = new CaServer(TestDatabase.h2(), Map.of())) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", plain.grpcPort())
                    .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
            try {
                assertThatThrownBy(() -> IdentityServiceGrpc.newBlockingStub(c).attest(attest("prod", token("meshid", "policy-server"))))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription()).contains("grants no server identity to Kubernetes");
                        });
            } finally {
                c.shutdownNow();
            }
        }
    }

    @Test
    void grantsOfAnAdminTheCaOrAnUnknownPath_andAnAudienceSetting_stopStartUp() {
        for (String bad : List.of("meshid:x=/meshid/admin", "meshid:x=/meshid/cert-authority", "meshid:x=/meshid/anything",
                "meshid:x", "Meshid:x=/meshid/policy-server", "meshid/x=/meshid/policy-server")) {
            assertThatThrownBy(() -> accounts(List.of(bad), null)).isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("meshid.ca.kubernetes.clusters.prod.service-accounts: " + bad + " (expected:");
        }
        assertThatThrownBy(() -> accounts(List.of("meshid:x=/meshid/policy-server", "meshid:x=/meshid/identity-server"), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("meshid:x is granted twice");
        assertThatThrownBy(() -> accounts(List.of(), null)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("service-accounts: empty");
        assertThatThrownBy(() -> accounts(List.of("meshid:x=/meshid/policy-server"), "meshid")).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("meshid.ca.kubernetes.clusters.prod.audience: meshid (expected: not set");
    }

    private ServerAccounts accounts(List<String> grants, String audience) {
        ServerCluster c = new ServerCluster("prod");
        c.setIssuer(issuer.issuerUrl());
        c.setJwksFile(issuer.jwksFile());
        c.setAudience(audience);
        c.setServiceAccounts(grants);
        MeshidConfig meshid = new MeshidConfig();
        meshid.setTrustDomain("ca.test");
        return new ServerAccounts(List.of(c), meshid, new CaConfig(), Clock.systemUTC());
    }
}
