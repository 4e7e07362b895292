package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityBlockingStub;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CA's public door for reserved identities, over real mTLS: neither identity-server (a signer)
 * nor an admin can have {@code /meshid/*}, a signer path or an admin path signed, in any trust
 * domain and any letter case; encodings that could smuggle one past a prefix check do not even
 * parse; the CA's own internal path still issues them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReservedIdentitiesTest {

    private static final String IDENTITY_SERVER = "spiffe://ca.test/meshid/identity-server";
    private static final String ADMIN = "spiffe://ca.test/meshid/admin";

    private CaServer server;
    private ManagedChannel asIdentity;
    private ManagedChannel asAdmin;

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of(
                "meshid.ca.signers", List.of("/meshid/identity-server", "/platform/signer"),
                "meshid.admin-paths", List.of("/meshid/admin", "/ops/admin")));
        asIdentity = server.channelAs(IDENTITY_SERVER);
        asAdmin = server.channelAs(ADMIN);
    }

    @AfterAll
    void stop() {
        List.of(asIdentity, asAdmin).forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    private static CertificateAuthorityBlockingStub stub(ManagedChannel channel) {
        return CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static SignX509SvidRequest request(String id) {
        return SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).setSpiffeId(id).build();
    }

    private int journalSize() {
        return stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setPageSize(1000).build()).getCertificatesCount();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "spiffe://ca.test/meshid/identity-server",
        "spiffe://ca.test/meshid/cert-authority",
        "spiffe://ca.test/meshid/admin",
        "spiffe://ca.test/meshid/policy-server",
        "spiffe://ca.test/meshid/anything/below",
        "spiffe://ca.test/meshid",
        "spiffe://ca.test/MESHID/identity-server",
        "spiffe://ca.test/Meshid/cert-authority",
        "spiffe://ca.test/platform/signer",
        "spiffe://ca.test/PLATFORM/Signer",
        "spiffe://ca.test/ops/admin",
        "spiffe://other.test/meshid/identity-server",
        "spiffe://other.test/platform/signer",
        "spiffe://other.test/ops/admin"})
    void sign_reservedIdentity_isDenied_forTheSignerAndTheAdmin_andJournalsNothing(String id) {
        int before = journalSize();

        // An admin of ca.test is nobody in other.test; identity-server of ca.test signs there too.
        for (ManagedChannel caller : id.startsWith("spiffe://ca.test/") ? List.of(asIdentity, asAdmin) : List.of(asIdentity)) {
            assertThatThrownBy(() -> stub(caller).signX509Svid(request(id)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isIn(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains(id).contains("is reserved for meshid itself");
                    });
        }
        assertThat(journalSize()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "spiffe://ca.test/meshid/../ns/a/sa/b",
        "spiffe://ca.test/ns/a/../../meshid/identity-server",
        "spiffe://ca.test/./meshid/identity-server",
        "spiffe://ca.test//meshid/identity-server",
        "spiffe://ca.test/meshid/identity-server/",
        "spiffe://ca.test/%6Deshid/identity-server",
        "spiffe://ca.test/meshid%2Fidentity-server",
        "spiffe://CA.TEST/meshid/identity-server",
        "SPIFFE://ca.test/meshid/identity-server",
        "spiffe://ca.test/meshid/identity-server?x=1",
        "spiffe://ca.test/meshid/identity-server#f",
        "spiffe://user@ca.test/meshid/identity-server",
        "spiffe://ca.test:443/meshid/identity-server",
        "spiffe://ca.test/meshid\\identity-server",
        "spiffe://ca.test/meshid/identity-server\u0000"})
    void sign_encodedReservedIdentity_doesNotParse(String id) {
        int before = journalSize();

        assertThatThrownBy(() -> stub(asIdentity).signX509Svid(request(id)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(journalSize()).isEqualTo(before);
    }

    @Test
    void sign_workloadBesideTheReservedPaths_isSigned() {
        for (String id : List.of("spiffe://ca.test/ns/meshid/sa/identity-server", "spiffe://ca.test/meshidx/identity-server",
                "spiffe://ca.test/platform/signer2", "spiffe://ca.test/ops/admin/team")) {
            assertThat(stub(asIdentity).signX509Svid(request(id)).getSvid().getSpiffeId()).isEqualTo(id);
        }
    }

    @Test
    void theCaItself_stillIssuesReservedIdentities_throughItsInternalPath() {
        assertThat(server.svid("spiffe://ca.test/meshid/policy-server").spiffeId().toString())
                .isEqualTo("spiffe://ca.test/meshid/policy-server");
    }
}
