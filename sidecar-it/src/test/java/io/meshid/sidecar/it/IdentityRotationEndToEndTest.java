package io.meshid.sidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.IdentityConfig;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The sidecar's identity against the real cert-authority and identity-server: attestation with a
 * join token, renewal at half life of a one-minute SVID, an intermediate rotation (RotateAuthority)
 * and a root rotation pushed over WatchTrustBundle, all under steady mutual-TLS traffic between
 * two endpoints built on two attested sources, with not one failed request and the long-lived
 * connection never dropped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityRotationEndToEndTest {

    private ControlPlane plane;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        plane = new ControlPlane(Files.createTempDirectory("meshid-sidecar-it"));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        if (plane != null) {
            plane.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    @Order(1)
    void aUsedJoinToken_orAnIdentityServerWithAnotherId_isRefused() throws Exception {
        IdentityConfig config = plane.sidecar("/ns/test/sa/once", Duration.ofMinutes(5));
        closeLater(AttestedSvidSource.start(config));
        assertThatThrownBy(() -> AttestedSvidSource.start(config)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        IdentityConfig fresh = plane.sidecar("/ns/test/sa/wrong-server", Duration.ofMinutes(5));
        IdentityConfig wrongServerId = new IdentityConfig(fresh.identityServer(),
                SpiffeId.parse("spiffe://" + ControlPlane.DOMAIN + "/meshid/policy-server"), fresh.certAuthority(), fresh.certAuthorityId(),
                fresh.bootstrapBundle(), fresh.evidence(), fresh.spiffeId(), fresh.backoff(), fresh.clock());
        // Refused in the TLS handshake, before the token is sent: the token still works afterwards.
        assertThatThrownBy(() -> AttestedSvidSource.start(wrongServerId)).isInstanceOf(StatusRuntimeException.class);
        try (AttestedSvidSource ok = AttestedSvidSource.start(fresh)) {
            assertThat(ok.svid().spiffeId().toString()).endsWith("/ns/test/sa/wrong-server");
        }
    }

    @Test
    @Order(2)
    void renewalAndIntermediateRotation_underSteadyMtlsTraffic_failNoRequest() throws Exception {
        AttestedSvidSource server = closeLater(AttestedSvidSource.start(plane.sidecar("/ns/shop/sa/api", Duration.ofMinutes(1))));
        AttestedSvidSource client = closeLater(AttestedSvidSource.start(plane.sidecar("/ns/shop/sa/web", Duration.ofMinutes(1))));
        X509Svid serverFirst = server.svid();
        X509Svid clientFirst = client.svid();
        AtomicInteger serverChanges = new AtomicInteger();
        server.addListener(serverChanges::incrementAndGet);
        // The entry's one-minute TTL (notBefore may be backdated for clock skew, so judge from now).
        assertThat(server.svid().notAfter()).isBefore(Instant.now().plusSeconds(61));

        EchoEndpoints.Server endpoint = closeLater(new EchoEndpoints.Server(server));
        AtomicLong requests = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        AtomicInteger longLivedConnections = new AtomicInteger();
        Thread traffic = Thread.ofPlatform().daemon().start(() -> {
            EchoEndpoints.Client longLived = null;
            for (long i = 0; !Thread.currentThread().isInterrupted(); i++) {
                try {
                    if (longLived == null) {
                        longLived = new EchoEndpoints.Client(client, server.svid().spiffeId(), endpoint.port());
                        longLivedConnections.incrementAndGet();
                    }
                    longLived.call("keep-alive " + i);
                    requests.incrementAndGet();
                    if (i % 5 == 0) {
                        try (EchoEndpoints.Client fresh = new EchoEndpoints.Client(client, server.svid().spiffeId(), endpoint.port())) {
                            fresh.call("new connection " + i);
                        }
                        requests.incrementAndGet();
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                    longLived = null;
                }
            }
        });

        await(() -> requests.get() > 20, Duration.ofSeconds(30), "traffic flows");
        X509Certificate oldIntermediate = serverFirst.chain().get(1);
        plane.rotate(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE);
        // Half of a one-minute SVID, plus up to a tenth of jitter, plus the call.
        await(() -> !server.svid().leaf().equals(serverFirst.leaf()) && !client.svid().leaf().equals(clientFirst.leaf()),
                Duration.ofSeconds(90), "both SVIDs renewed at half life");
        long atRenewal = requests.get();
        await(() -> requests.get() > atRenewal + 50, Duration.ofSeconds(30), "traffic continues after renewal");
        traffic.interrupt();
        traffic.join(15_000);

        assertThat(firstFailure.get()).as("first failed request").isNull();
        assertThat(failures.get()).isZero();
        assertThat(longLivedConnections.get()).as("the long-lived connection was never dropped").isEqualTo(1);
        assertThat(serverChanges.get()).isGreaterThanOrEqualTo(1);
        // Renewed after the rotation: signed by the new intermediate, with a new key, same identity.
        assertThat(server.svid().chain().get(1)).isNotEqualTo(oldIntermediate);
        assertThat(client.svid().chain().get(1)).isNotEqualTo(clientFirst.chain().get(1));
        assertThat(server.svid().spiffeId()).isEqualTo(serverFirst.spiffeId());
        assertThat(server.svid().leaf().getPublicKey()).isNotEqualTo(serverFirst.leaf().getPublicKey());
        assertThat(endpoint.handshakes.get()).isGreaterThan(10);
    }

    @Test
    @Order(3)
    void aRootRotation_reachesTheSource_overWatchTrustBundle_andTrafficContinues() throws Exception {
        AttestedSvidSource server = closeLater(AttestedSvidSource.start(plane.sidecar("/ns/bank/sa/ledger", Duration.ofMinutes(10))));
        AttestedSvidSource client = closeLater(AttestedSvidSource.start(plane.sidecar("/ns/bank/sa/teller", Duration.ofMinutes(10))));
        long sequence = client.bundle().sequenceNumber();
        int roots = client.bundle().authorities().size();
        EchoEndpoints.Server endpoint = closeLater(new EchoEndpoints.Server(server));
        try (EchoEndpoints.Client open = new EchoEndpoints.Client(client, server.svid().spiffeId(), endpoint.port())) {
            open.call("before");
            plane.rotate(AuthorityLevel.AUTHORITY_LEVEL_ROOT);
            await(() -> client.bundle().sequenceNumber() > sequence && client.bundle().authorities().size() > roots
                    && server.bundle().authorities().size() > roots, Duration.ofSeconds(30), "the new root pushed to both sources");
            open.call("after, same connection");
            try (EchoEndpoints.Client fresh = new EchoEndpoints.Client(client, server.svid().spiffeId(), endpoint.port())) {
                fresh.call("after, new connection");
            }
            // The next renewal is signed under the new root, and peers that hold the new bundle accept it.
            client.renewSoon();
            X509Svid before = server.svid();
            server.renewSoon();
            await(() -> !server.svid().leaf().equals(before.leaf()), Duration.ofSeconds(30), "the server renewed");
            try (EchoEndpoints.Client fresh = new EchoEndpoints.Client(client, server.svid().spiffeId(), endpoint.port())) {
                fresh.call("after renewal under the new root");
            }
            open.call("the old connection still works");
        }
    }
}
