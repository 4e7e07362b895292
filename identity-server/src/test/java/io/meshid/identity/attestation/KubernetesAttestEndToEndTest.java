package io.meshid.identity.attestation;

import static io.meshid.identity.attestation.E2eServers.code;
import static io.meshid.identity.attestation.E2eServers.csrFor;
import static io.meshid.identity.attestation.E2eServers.description;
import static io.meshid.identity.attestation.E2eServers.newKey;
import static io.meshid.identity.attestation.E2eServers.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Backoff;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.Pem;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.identity.v1.RevokeX509SvidRequest;
import java.time.Duration;
import java.util.Optional;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.kubernetes.K8sTokens;
import io.meshid.identity.trustdomain.RecordingProvisioner;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateTrustDomainRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.KubernetesServiceAccountToken;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Kubernetes attestation end to end, with no cluster: tokens minted here and the issuer's JWKS in
 * a local file, the real cert-authority process and identity-server over TLS. A token's namespace
 * and service account select the entries; 0, 1 or several matches answer as the contract says;
 * bad tokens are UNAUTHENTICATED, audited, counted as failed attestations, and issue nothing.
 * Also CreateTrustDomain through the real CA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesAttestEndToEndTest {

    private E2eServers servers;
    private K8sTokens issuer;
    private K8sTokens dev;
    private RegistryServiceBlockingStub registry;
    private IdentityServiceBlockingStub workload;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("meshid-e2e-k8s");
        issuer = K8sTokens.issuer(dir.resolve("jwks.json"));
        dev = K8sTokens.issuer(dir.resolve("dev-jwks.json"), "https://dev.k8s.example");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("meshid.identity.attest-failures-per-minute", 1000);
        p.put("meshid.identity.kubernetes.clusters.prod.issuer", K8sTokens.ISSUER);
        p.put("meshid.identity.kubernetes.clusters.prod.audience", K8sTokens.AUDIENCE);
        p.put("meshid.identity.kubernetes.clusters.prod.jwks-file", issuer.jwksFile().toString());
        p.put("meshid.identity.kubernetes.clusters.dev.issuer", dev.issuerUrl());
        p.put("meshid.identity.kubernetes.clusters.dev.audience", K8sTokens.AUDIENCE);
        p.put("meshid.identity.kubernetes.clusters.dev.jwks-file", dev.jwksFile().toString());
        p.put("test.recording-provisioner", true);
        servers = new E2eServers(dir, p);
        registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
        workload = IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS);
        entry("/ns/payments/sa/api", "cluster:prod", "ns:payments", "sa:api");
        entry("/ns/shop/sa/web", "cluster:prod", "ns:shop", "sa:web");
        entry("/ns/shop/default", "cluster:prod", "ns:shop");
        entry("/dev/ns/payments/sa/api", "cluster:dev", "ns:payments", "sa:api");
    }

    @AfterAll
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private void entry(String path, String... selectors) {
        CreateEntryRequest.Builder b = CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test" + path);
        for (String s : selectors) {
            b.addSelectors(Selector.newBuilder().setType("k8s").setValue(s));
        }
        registry.createEntry(b.build());
    }

    private Instant now() {
        return servers.clock.instant();
    }

    private AttestRequest.Builder attest(String cluster, String token) throws Exception {
        return AttestRequest.newBuilder().setKubernetes(KubernetesServiceAccountToken.newBuilder().setCluster(cluster).setToken(token))
                .setCsr(csrFor(newKey()));
    }

    private int issuedFor(String spiffeId) {
        return CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listIssued(ListIssuedRequest.newBuilder().setSpiffeId(spiffeId).build()).getCertificatesCount();
    }

    @Test
    void theSidecarsSource_whoseSvidIsRevoked_attestsAgainWithItsServiceAccountToken_withoutPresentingIt() throws Exception {
        Path dir = Files.createTempDirectory("meshid-e2e-k8s-source");
        Path bundle = Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(servers.admin().bundle().authorities()));
        Path token = Files.writeString(dir.resolve("token"), issuer.token("payments", "api", now()));
        IdentityConfig config = new IdentityConfig("127.0.0.1:" + servers.identityPort(),
                SpiffeId.parse("spiffe://e2e.test/meshid/identity-server"), servers.caAddress(),
                SpiffeId.parse("spiffe://e2e.test/meshid/cert-authority"), bundle, new Evidence.Kubernetes("prod", token),
                Optional.empty(), new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)), servers.clock);

        try (AttestedSvidSource source = AttestedSvidSource.start(config)) {
            var first = source.svid().leaf().getSerialNumber();
            registry.revokeX509Svid(RevokeX509SvidRequest.newBuilder().setTrustDomain("e2e.test").setSerialNumber(first.toString(16))
                    .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build());
            source.renewSoon();

            long giveUp = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (source.svid().leaf().getSerialNumber().equals(first) && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
            assertThat(source.svid().leaf().getSerialNumber()).as("a new SVID after the revoked one").isNotEqualTo(first);
            assertThat(source.svid().spiffeId().toString()).isEqualTo("spiffe://e2e.test/ns/payments/sa/api");
        }
    }

    @Test
    void aServiceAccountToken_attestsAsTheOneMatchingEntry() throws Exception {
        AttestResponse reply = workload.attest(attest("prod", issuer.token("payments", "api", now())).build());

        assertThat(reply.getSvid().getSpiffeId()).isEqualTo("spiffe://e2e.test/ns/payments/sa/api");
        assertThat(parse(reply.getSvid().getCertChain(0)).getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
                .contains("spiffe://e2e.test/ns/payments/sa/api");
        assertThat(servers.audit("e2e.test", "attest.kubernetes", now())).extracting(AuditEvent::outcome).contains(AuditEvent.Outcome.SUCCESS);
    }

    @Test
    void severalMatchingEntries_needASpiffeId_amongThem() throws Exception {
        assertThatThrownBy(() -> workload.attest(attest("prod", issuer.token("shop", "web", now())).build())).satisfies(e -> {
            assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(description(e)).contains("spiffe://e2e.test/ns/shop/default").contains("spiffe://e2e.test/ns/shop/sa/web");
        });
        assertThatThrownBy(() -> workload.attest(attest("prod", issuer.token("shop", "web", now()))
                        .setSpiffeId("spiffe://e2e.test/ns/payments/sa/api").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));

        AttestResponse chosen = workload.attest(attest("prod", issuer.token("shop", "web", now()))
                .setSpiffeId("spiffe://e2e.test/ns/shop/default").build());

        assertThat(chosen.getSvid().getSpiffeId()).isEqualTo("spiffe://e2e.test/ns/shop/default");
        assertThat(workload.attest(attest("prod", issuer.token("shop", "cart", now())).build()).getSvid().getSpiffeId())
                .as("only the namespace entry matches").isEqualTo("spiffe://e2e.test/ns/shop/default");
    }

    @Test
    void noMatchingEntry_isPermissionDenied() throws Exception {
        assertThatThrownBy(() -> workload.attest(attest("prod", issuer.token("billing", "api", now())).build()))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(description(e)).contains("k8s:cluster:prod").contains("k8s:ns:billing").contains("k8s:sa:api");
                });
    }

    @Test
    void badTokens_areUnauthenticated_auditedAndCounted_andIssueNothing() throws Exception {
        Instant t = now();
        Map<String, AttestRequest> bad = new LinkedHashMap<>();
        bad.put("wrong signature", attest("prod", issuer.forged("payments", "api", t)).build());
        bad.put("wrong issuer", attest("prod", issuer.token("payments", "api", t, b -> b.issuer("https://other.example"))).build());
        bad.put("wrong audience", attest("prod", issuer.token("payments", "api", t, b -> b.audience("vault"))).build());
        bad.put("expired", attest("prod", issuer.token("payments", "api", t, b -> b.expirationTime(Date.from(t.minusSeconds(120))))).build());
        bad.put("unknown cluster", attest("staging", issuer.token("payments", "api", t)).build());
        bad.put("alg none", attest("prod", K8sTokens.unsigned("payments", "api", t)).build());
        bad.put("no kubernetes.io", attest("prod", issuer.token("payments", "api", t, b -> b.claim("kubernetes.io", null))).build());
        int issuedBefore = issuedFor("spiffe://e2e.test/ns/payments/sa/api");
        long failuresBefore = servers.context().getBean(SharedStore.class).get("attest-failures:127.0.0.1").map(Long::parseLong).orElse(0L);

        bad.forEach((name, request) -> assertThatThrownBy(() -> workload.attest(request)).as(name)
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED)));

        assertThat(servers.context().getBean(SharedStore.class).get("attest-failures:127.0.0.1").map(Long::parseLong).orElse(0L))
                .isEqualTo(failuresBefore + bad.size());
        assertThat(servers.audit("e2e.test", "attest.kubernetes", t)).filteredOn(a -> a.outcome() == AuditEvent.Outcome.DENIED)
                .hasSizeGreaterThanOrEqualTo(bad.size() - 1)
                .allSatisfy(a -> assertThat(a.detail()).doesNotContain("eyJ"));
        assertThat(servers.audit("unknown", "attest.kubernetes", t)).extracting(AuditEvent::detail)
                .anySatisfy(d -> assertThat(d).contains("staging"));
        assertThat(issuedFor("spiffe://e2e.test/ns/payments/sa/api")).isEqualTo(issuedBefore);
    }

    @Test
    void createTrustDomain_makesTheCaServeIt_onceAndAudited() throws Exception {
        var created = registry.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("tenant.test")
                .setDescription("a tenant").build()).getTrustDomain();

        assertThat(created.getName()).isEqualTo("tenant.test");
        assertThat(created.getCreatedBy()).isEqualTo("spiffe://e2e.test/meshid/admin");
        assertThat(CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).getTrustBundle(GetTrustBundleRequest.newBuilder()
                .setTrustDomain("tenant.test").build()).getBundle().getX509AuthoritiesCount()).isEqualTo(2);
        assertThat(servers.context().getBean(RecordingProvisioner.class).provisioned()).containsExactly(TrustDomain.of("tenant.test"));
        assertThat(servers.audit("tenant.test", "identity.jwt_key", Instant.EPOCH)).as("its JWT signing keys")
                .isNotEmpty();
        assertThat(servers.audit("tenant.test", "identity.trust_domain.create", Instant.EPOCH)).extracting(AuditEvent::outcome)
                .containsExactly(AuditEvent.Outcome.SUCCESS);
        assertThat(servers.audit("e2e.test", "identity.trust_domain.create", Instant.EPOCH)).as("in the acting admin's trail too")
                .filteredOn(e -> e.target().equals("tenant.test")).extracting(AuditEvent::outcome)
                .containsExactly(AuditEvent.Outcome.SUCCESS);
        assertThatThrownBy(() -> registry.createTrustDomain(CreateTrustDomainRequest.newBuilder().setName("tenant.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS));
    }

    @Test
    void theSameNamespaceAndAccount_inTheDevCluster_getDevsEntry_neverProds() throws Exception {
        AttestResponse fromDev = workload.attest(attest("dev", dev.token("payments", "api", now())).build());

        assertThat(fromDev.getSvid().getSpiffeId()).isEqualTo("spiffe://e2e.test/dev/ns/payments/sa/api");
        assertThatThrownBy(() -> workload.attest(attest("dev", dev.token("payments", "api", now()))
                        .setSpiffeId("spiffe://e2e.test/ns/payments/sa/api").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> workload.attest(attest("dev", dev.token("shop", "web", now())).build()))
                .as("prod's shop entries are not dev's").satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(description(e)).contains("k8s:cluster:dev");
                });
        assertThatThrownBy(() -> workload.attest(attest("prod", dev.token("payments", "api", now())).build()))
                .as("a dev token presented as prod's").satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void entriesThatCouldMatchAcrossClustersOrNamespaces_areRefused() {
        for (String[] selectors : new String[][] {{"sa:default"}, {"ns:payments", "sa:api"}, {"cluster:prod", "sa:default"},
                {"cluster:prod"}}) {
            assertThatThrownBy(() -> entry("/ns/any/sa/default", selectors)).as(String.join(",", selectors)).satisfies(e -> {
                assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(description(e)).contains("expected: exactly one k8s:cluster:<name>");
            });
        }
    }
}
