package io.meshid.sidecar.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.identity.Backoff;
import io.meshid.sidecar.testing.FakeCertAuthority;
import io.meshid.sidecar.testing.ShiftedClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RevocationWatch} against a real gRPC {@code WatchTrustBundle} over mutual TLS: the CRLs
 * of the first bundle load the list, a pushed revocation is in force at once, a lost stream is
 * trusted for the grace only, and the watch reconnects.
 */
class RevocationWatchTest {

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource sidecar = new StaticSvidSource(pki.svid("/ns/demo/sa/a"), pki.bundle());
    private final StaticSvidSource ca = new StaticSvidSource(pki.svid("/meshid/cert-authority"), pki.bundle());
    private final SpiffeId caId = SpiffeId.parse("spiffe://example.org/meshid/cert-authority");
    private final Backoff fast = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200));

    @Test
    void firstBundle_loadsTheList_andAPushedRevocationIsInForce() throws Exception {
        TestPki.Issued peer = pki.leaf("spiffe://example.org/ns/demo/sa/b").issue();
        ShiftedClock clock = new ShiftedClock();
        RevocationList list = new RevocationList(pki.trustDomain(), clock, Duration.ofSeconds(30));
        assertThat(list.refusal(peer.chain())).get().asString().contains("not known yet");
        try (FakeCertAuthority authority = new FakeCertAuthority(ca);
                RevocationWatch watch = RevocationWatch.start(sidecar, "127.0.0.1:" + authority.port(), caId, list, fast,
                        Duration.ofSeconds(20))) {
            assertThat(list.refusal(peer.chain())).isEmpty();
            authority.revoke(peer.leaf());
            awaitRefused(list, peer);
            assertThat(list.refusal(peer.chain())).get().asString().contains("revoked certificate");
            assertThat(list.refusal(pki.leaf("spiffe://example.org/ns/demo/sa/c").issue().chain())).isEmpty();
        }
    }

    @Test
    void oneStream_feedsTheTrustBundleAndTheRevocations() throws Exception {
        TestPki.Issued peer = pki.leaf("spiffe://example.org/ns/demo/sa/b").issue();
        RevocationList list = new RevocationList(pki.trustDomain(), new ShiftedClock(), Duration.ofSeconds(30));
        java.util.concurrent.BlockingQueue<Long> sequences = new java.util.concurrent.LinkedBlockingQueue<>();
        try (FakeCertAuthority authority = new FakeCertAuthority(ca);
                RevocationWatch watch = RevocationWatch.start(sidecar, "127.0.0.1:" + authority.port(), caId, list, fast,
                        Duration.ofSeconds(20), bundle -> {
                            sequences.add(bundle.getSequenceNumber());
                            throw new IllegalArgumentException("a consumer that fails does not stop the revocations");
                        })) {
            assertThat(sequences.poll(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(list.sequence());
            authority.revoke(peer.leaf());
            assertThat(sequences.poll(20, java.util.concurrent.TimeUnit.SECONDS)).isGreaterThan(1L);
            awaitRefused(list, peer);
            assertThat(list.refusal(peer.chain())).get().asString().contains("revoked certificate");
            assertThat(authority.watchers()).as("one stream to cert-authority").isEqualTo(1);
        }
    }

    @Test
    void aWatchToTheWrongIdentity_neverLoads() throws Exception {
        RevocationList list = new RevocationList(pki.trustDomain(), new ShiftedClock(), Duration.ofSeconds(30));
        StaticSvidSource impostor = new StaticSvidSource(pki.svid("/ns/demo/sa/impostor"), pki.bundle());
        try (FakeCertAuthority authority = new FakeCertAuthority(impostor);
                RevocationWatch watch = RevocationWatch.start(sidecar, "127.0.0.1:" + authority.port(), caId, list, fast,
                        Duration.ofSeconds(2))) {
            assertThat(list.current()).isFalse();
            assertThat(list.refusal(pki.leaf("spiffe://example.org/ns/demo/sa/b").issue().chain())).isPresent();
        }
    }

    @Test
    void lostStream_isTrustedForTheGraceOnly_andTheWatchReconnects() throws Exception {
        TestPki.Issued peer = pki.leaf("spiffe://example.org/ns/demo/sa/b").issue();
        ShiftedClock clock = new ShiftedClock();
        RevocationList list = new RevocationList(pki.trustDomain(), clock, Duration.ofSeconds(30));
        try (FakeCertAuthority authority = new FakeCertAuthority(ca);
                RevocationWatch watch = RevocationWatch.start(sidecar, "127.0.0.1:" + authority.port(), caId, list, fast,
                        Duration.ofSeconds(20))) {
            assertThat(list.current()).isTrue();
            authority.stop();
            for (int i = 0; i < 2_000 && list.lostSince().isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(list.lostSince()).as("the watch saw the stream end").isPresent();
            assertThat(list.current()).as("within the grace").isTrue();
            clock.advance(Duration.ofSeconds(31));
            assertThat(list.refusal(peer.chain())).get().asString().contains("could not be confirmed since");
            authority.restart();
            for (int i = 0; i < 3_000 && !list.current(); i++) {
                Thread.sleep(10);
            }
            assertThat(list.current()).as("reconnected and confirmed").isTrue();
            assertThat(list.refusal(peer.chain())).isEmpty();
        }
    }

    @Test
    void olderBundle_isIgnored() {
        RevocationList list = new RevocationList(pki.trustDomain(), new ShiftedClock(), Duration.ZERO);
        TestPki.Issued peer = pki.leaf("spiffe://example.org/ns/demo/sa/b").issue();
        assertThat(list.update(5, List.of(new io.meshid.common.revocation.RevokedSerial(pki.trustDomain(),
                peer.leaf().getSerialNumber(), peer.leaf().getNotAfter().toInstant())))).isTrue();
        assertThat(list.update(4, List.of())).isFalse();
        assertThat(list.refusal(peer.chain())).isPresent();
    }

    private static void awaitRefused(RevocationList list, TestPki.Issued peer) throws InterruptedException {
        for (int i = 0; i < 2_000 && list.refusal(peer.chain()).isEmpty(); i++) {
            Thread.sleep(10);
        }
    }
}
