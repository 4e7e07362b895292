package io.meshid.identity.attestation;

import static io.meshid.identity.attestation.E2eServers.code;
import static io.meshid.identity.attestation.E2eServers.csrFor;
import static io.meshid.identity.attestation.E2eServers.description;
import static io.meshid.identity.attestation.E2eServers.newKey;
import static io.meshid.identity.attestation.E2eServers.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.grpc.Status;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A workload holds a 1-minute X.509-SVID on an mTLS connection to identity-server and keeps the
 * connection open past the SVID's expiry (identity-server's clock moves; the CA runs in its own
 * process on real time): from then on it can neither mint tokens nor renew, on that very connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpiredCallerEndToEndTest {

    private static final String ID = "spiffe://e2e.test/ns/expiring/sa/api";

    private E2eServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = new E2eServers(Files.createTempDirectory("meshid-e2e-expiry"), Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void oneMinuteSvid_onAConnectionHeldOpenPastItsExpiry_canNeitherMintNorRenew() throws Exception {
        servers.clock.set(Instant.now());
        var registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
        var entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId(ID)
                .setX509SvidTtl(Duration.newBuilder().setSeconds(60)).build()).getEntry();
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();
        KeyPair key = newKey();
        AttestResponse attested = IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(csrFor(key)).build());
        X509Svid svid = svidOf(attested, key);
        assertThat(java.time.Duration.between(svid.leaf().getNotBefore().toInstant(), svid.leaf().getNotAfter().toInstant()))
                .isLessThanOrEqualTo(java.time.Duration.ofMinutes(1).plusSeconds(60));
        IdentityServiceBlockingStub held = IdentityServiceGrpc.newBlockingStub(servers.as(new StaticSvidSource(svid, bundleOf(attested))))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(held.mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("spiffe://e2e.test/ns/x/sa/y").build()).getToken())
                .isNotEmpty();

        servers.clock.set(svid.leaf().getNotAfter().toInstant().plusSeconds(1));

        assertThatThrownBy(() -> held.mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience("spiffe://e2e.test/ns/x/sa/y").build()))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(description(e)).contains("expired at " + svid.leaf().getNotAfter().toInstant());
                });
        assertThatThrownBy(() -> held.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build()))
                .as("renewing an expired SVID").satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void renewal_refusesAnExpiredSvid_evenWhenTheTransportLetItThrough() throws Exception {
        servers.clock.set(Instant.now());
        var registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
        String id = "spiffe://e2e.test/ns/expiring/sa/worker";
        var entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId(id)
                .setX509SvidTtl(Duration.newBuilder().setSeconds(60)).build()).getEntry();
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();
        KeyPair key = newKey();
        AttestResponse attested = IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(csrFor(key)).build());
        X509Certificate leaf = parse(attested.getSvid().getCertChain(0));
        Instant after = leaf.getNotAfter().toInstant().plusSeconds(1);
        servers.clock.set(after);
        Renewal renewal = servers.context().getBean(Renewal.class);
        ByteString csr = csrFor(newKey());

        assertThatThrownBy(() -> renewal.renew(SpiffeId.parse(id), leaf, csr.toByteArray()))
                .isInstanceOfSatisfying(MeshidException.Unauthenticated.class, e -> assertThat(e.getMessage())
                        .contains("expired at " + leaf.getNotAfter().toInstant()).contains("attest again"));
        assertThat(servers.audit("e2e.test", "identity.renew_x509_svid", after.minusSeconds(1)))
                .extracting(AuditEvent::outcome).contains(AuditEvent.Outcome.DENIED);
    }

    private static X509Svid svidOf(AttestResponse reply, KeyPair key) throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add(parse(der));
        }
        return X509Svid.of(chain, key.getPrivate());
    }

    private static X509Bundle bundleOf(AttestResponse reply) throws Exception {
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        return X509Bundle.of(TrustDomain.of("e2e.test"), anchors, 1);
    }
}
