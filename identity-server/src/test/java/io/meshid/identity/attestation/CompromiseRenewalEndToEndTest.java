package io.meshid.identity.attestation;

import static io.meshid.identity.attestation.E2eServers.code;
import static io.meshid.identity.attestation.E2eServers.csrFor;
import static io.meshid.identity.attestation.E2eServers.description;
import static io.meshid.identity.attestation.E2eServers.newKey;
import static io.meshid.identity.attestation.E2eServers.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.RotateAuthorityResponse;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidResponse;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Renewal inside the window of a compromise response, against the real cert-authority process and
 * identity-server over mTLS: a workload's live SVID renews into the new chain; a certificate for
 * the same SPIFFE ID that identity-server never issued (what a thief of the old CA key would
 * forge; here the CA signed it for an admin, which chains just as well) does not renew, so the
 * thief cannot carry it past the cutoff.
 */
class CompromiseRenewalEndToEndTest {

    private static final String WORKLOAD = "spiffe://e2e.test/ns/payments/sa/api";

    @Test
    void inTheWindow_aLiveSvidRenewsIntoTheNewChain_aCertificateIdentityServerNeverIssuedDoesNot() throws Exception {
        try (E2eServers servers = new E2eServers(Files.createTempDirectory("meshid-compromise"), Map.of())) {
            var registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
            var ca = CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
            String entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId(WORKLOAD).build()).getEntry().getId();
            String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry).build()).getToken();
            KeyPair liveKey = newKey();
            var attested = IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(csrFor(liveKey)).build());
            List<X509Certificate> live = chain(attested.getSvid().getCertChainList());
            List<X509Certificate> bundle;
            KeyPair thiefKey = newKey();
            List<X509Certificate> thief = chain(ca.signX509Svid(SignX509SvidRequest.newBuilder().setSpiffeId(WORKLOAD)
                    .setCsr(csrFor(thiefKey)).build()).getSvid().getCertChainList());

            RotateAuthorityResponse rotation = ca.rotateAuthority(RotateAuthorityRequest.newBuilder()
                    .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("key compromise drill").setCompromised(true)
                    .setCutoffAfter(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build());
            X509Certificate newIntermediate = parse(rotation.getActivated(1).getCertificate());
            // What a watcher holds in the window: the new chain and the old one.
            bundle = chain(rotation.getBundle().getX509AuthoritiesList());

            List<X509Certificate> window = bundle;
            RenewX509SvidResponse renewed = holding(servers, live, liveKey, window)
                    .renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build());
            assertThat(parse(renewed.getSvid().getCertChain(1))).as("renewed from the new intermediate").isEqualTo(newIntermediate);

            assertThatThrownBy(() -> holding(servers, thief, thiefKey, window)
                    .renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build()))
                    .satisfies(e -> {
                        assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(description(e)).contains("is not one identity-server issued to " + WORKLOAD);
                    });
        }
    }

    private static IdentityServiceBlockingStub holding(E2eServers servers, List<X509Certificate> chain, KeyPair key,
            List<X509Certificate> bundle) {
        StaticSvidSource held = new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), X509Bundle.of(TrustDomain.of("e2e.test"), bundle, 1));
        return IdentityServiceGrpc.newBlockingStub(servers.as(held)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static List<X509Certificate> chain(List<ByteString> ders) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        for (ByteString der : ders) {
            out.add(parse(der));
        }
        return out;
    }
}
