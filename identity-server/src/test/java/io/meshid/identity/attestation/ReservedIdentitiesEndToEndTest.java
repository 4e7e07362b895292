package io.meshid.identity.attestation;

import static io.meshid.identity.attestation.E2eServers.code;
import static io.meshid.identity.attestation.E2eServers.csrFor;
import static io.meshid.identity.attestation.E2eServers.description;
import static io.meshid.identity.attestation.E2eServers.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every door to a reserved identity ({@code /meshid/*}, admin paths), tried against the real
 * cert-authority process and identity-server over mTLS as a home-domain admin would: registering
 * an entry for one, attesting with a join token bound to one (an entry stored before the rule
 * existed), renewing as one, and asking the CA to sign one directly. Each is refused and nothing
 * is signed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReservedIdentitiesEndToEndTest {

    private E2eServers servers;
    private RegistryServiceBlockingStub registry;

    @BeforeAll
    void start() throws Exception {
        servers = new E2eServers(Files.createTempDirectory("meshid-reserved"), Map.of());
        registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private int issuedFor(String spiffeId) {
        return CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listIssued(ListIssuedRequest.newBuilder().setSpiffeId(spiffeId).build()).getCertificatesCount();
    }

    private DataSource database() {
        return io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(servers.context().getBean(DataSource.class));
    }

    /** An entry as a release without the rule could have stored it: created for a workload, then renamed in the database. */
    private String storedEntryFor(String spiffeId, String placeholder) throws Exception {
        String id = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId(placeholder).build()).getEntry().getId();
        try (Connection c = database().getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE id_entry SET spiffe_id = ? WHERE id = ?")) {
            ps.setString(1, spiffeId);
            ps.setString(2, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        return id;
    }

    @Test
    void createEntry_forAReservedIdentity_isDenied_andStoresNothing() {
        int before = registry.listEntries(ListEntriesRequest.newBuilder().setTrustDomain(E2eServers.DOMAIN).build()).getEntriesCount();
        for (String id : List.of("spiffe://e2e.test/meshid/identity-server", "spiffe://e2e.test/meshid/cert-authority",
                "spiffe://e2e.test/MESHID/cert-authority", "spiffe://e2e.test/meshid/admin")) {
            assertThatThrownBy(() -> registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId(id).build()))
                    .as(id).satisfies(e -> {
                        assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(description(e)).contains(id + " is reserved for meshid itself");
                    });
        }
        assertThat(registry.listEntries(ListEntriesRequest.newBuilder().setTrustDomain(E2eServers.DOMAIN).build()).getEntriesCount()).isEqualTo(before);
    }

    @Test
    void attest_withAJoinTokenBoundToAReservedEntry_isDenied_andSignsNothing() throws Exception {
        String reserved = "spiffe://e2e.test/meshid/identity-server";
        String entry = storedEntryFor(reserved, "spiffe://e2e.test/ns/legacy/sa/renamed");
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry).build()).getToken();
        int before = issuedFor(reserved);

        assertThatThrownBy(() -> IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(csrFor(newKey())).build()))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(description(e)).contains(reserved + " is reserved");
                });
        assertThat(issuedFor(reserved)).isEqualTo(before);
    }

    @Test
    void renew_asAReservedIdentity_isDenied_evenWithAnEntryForIt() throws Exception {
        String reserved = "spiffe://e2e.test/meshid/policy-server";
        storedEntryFor(reserved, "spiffe://e2e.test/ns/legacy/sa/policy");
        Path creds = servers.dir.resolve("credentials").resolve("policy-server");
        // As if an earlier release had issued it here: renewal then gets as far as issuing.
        java.security.cert.X509Certificate held0 = io.meshid.common.tls.Pem.readCertificates(creds.resolve("cert.pem")).get(0);
        try (Connection c = database().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO id_svid (trust_domain, spiffe_id, public_key_sha256, serial, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, "e2e.test");
            ps.setString(2, reserved);
            ps.setString(3, io.meshid.identity.svid.SvidIssuer.keySha256Of(held0));
            ps.setString(4, java.util.HexFormat.of().formatHex(held0.getSerialNumber().toByteArray()).replaceFirst("^(00)+(?=.)", ""));
            ps.setTimestamp(5, new java.sql.Timestamp(held0.getNotAfter().getTime()));
            ps.setTimestamp(6, new java.sql.Timestamp(System.currentTimeMillis()));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        int before = issuedFor(reserved);
        try (PemFileSvidSource held = new PemFileSvidSource(creds.resolve("cert.pem"), creds.resolve("key.pem"),
                creds.resolve("bundle.pem"), Duration.ofSeconds(5))) {
            var renewing = IdentityServiceGrpc.newBlockingStub(servers.as(held)).withDeadlineAfter(30, TimeUnit.SECONDS);

            assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build()))
                    .satisfies(e -> {
                        assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(description(e)).contains(reserved + " is reserved");
                    });
        }
        assertThat(issuedFor(reserved)).isEqualTo(before);
    }

    @Test
    void signX509Svid_onTheCa_asTheAdmin_isDeniedForAReservedIdentity() throws Exception {
        String reserved = "spiffe://e2e.test/meshid/cert-authority";
        int before = issuedFor(reserved);

        assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .signX509Svid(SignX509SvidRequest.newBuilder().setSpiffeId(reserved).setCsr(csrFor(newKey())).build()))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(description(e)).contains(reserved + " is reserved");
                });
        assertThat(issuedFor(reserved)).isEqualTo(before);
    }
}
