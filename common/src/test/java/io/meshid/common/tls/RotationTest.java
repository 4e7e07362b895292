package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.meshid.common.testing.TestPki;
import io.netty.handler.ssl.ClientAuth;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A running server takes a new SVID and bundle without a restart: new connections see them. */
class RotationTest {

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource serverSource = new StaticSvidSource(pki.svid("/ns/meshid/sa/server"), pki.bundle());
    private final StaticSvidSource clientSource = new StaticSvidSource(pki.svid("/ns/payments/sa/api"), pki.bundle());
    private final Loopback loopback = new Loopback(serverSource);
    private final Loopback.Seen seen = new Loopback.Seen();

    @AfterEach
    void close() throws InterruptedException {
        loopback.close();
    }

    @Test
    void newSvidUnderANewIntermediate_isPresentedOnTheNextConnection() throws Exception {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE), seen, Set.of());
        Loopback.ClientSeen before = new Loopback.ClientSeen();
        ManagedChannel first = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));
        assertThat(Loopback.check(first, before)).isEqualTo(ServingStatus.SERVING);
        assertThat(before.serverLeaf().getSerialNumber()).isEqualTo(serverSource.svid().leaf().getSerialNumber());

        TestPki rotated = pki.withNewIntermediate();
        X509Svid renewed = rotated.svid("/ns/meshid/sa/server");
        X509Bundle both = X509Bundle.of(pki.trustDomain(), List.of(pki.root(), rotated.intermediate()), 2);
        serverSource.update(renewed, both);

        Loopback.ClientSeen after = new Loopback.ClientSeen();
        ManagedChannel second = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));
        assertThat(Loopback.check(second, after)).isEqualTo(ServingStatus.SERVING);
        assertThat(after.serverLeaf().getSerialNumber()).isEqualTo(renewed.leaf().getSerialNumber());
        assertThat(seen.caller.get()).contains(clientSource.svid().spiffeId());
        assertThat(Loopback.check(first)).as("the connection made before the rotation still works")
                .isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void newRoot_trustedByBothSidesThroughTheirBundles_isUsedOnTheNextConnection() throws Exception {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE), seen, Set.of());
        TestPki newCa = TestPki.create("example.org");
        X509Bundle both = X509Bundle.of(pki.trustDomain(), List.of(pki.root(), newCa.root()), 2);
        clientSource.update(both);
        X509Svid renewed = newCa.svid("/ns/meshid/sa/server");
        serverSource.update(renewed, both);

        Loopback.ClientSeen seenByClient = new Loopback.ClientSeen();
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));

        assertThat(Loopback.check(channel, seenByClient)).isEqualTo(ServingStatus.SERVING);
        assertThat(seenByClient.serverLeaf().getSerialNumber()).isEqualTo(renewed.leaf().getSerialNumber());
        assertThat(seen.caller.get()).contains(clientSource.svid().spiffeId());
    }

    @Test
    void listeners_hearEveryUpdate() {
        int[] heard = {0};
        serverSource.addListener(() -> heard[0]++);

        serverSource.update(pki.svid("/ns/meshid/sa/server"));
        serverSource.update(pki.bundle());

        assertThat(heard[0]).isEqualTo(2);
    }
}
