package io.meshid.common.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.X509Svid;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The revoked-serial view and what keeps it current, with a fake durable source. */
class RevocationFeedTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("feed.test");
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-04T10:00:00Z"));

    /** A durable source that answers what it holds, or fails while {@code down}. */
    private static final class FakeSource implements RevocationSource {
        final List<RevokedSerial> held = new ArrayList<>();
        boolean down;

        @Override
        public String describe() {
            return "the fake source";
        }

        @Override
        public List<RevokedSerial> revoked(Instant now) {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
            return List.copyOf(held);
        }
    }

    @Test
    void aSourceThatNeverAnswered_leavesTheViewNotLoaded_untilItDoes() {
        RevokedSerials view = new RevokedSerials();
        FakeSource source = new FakeSource();
        source.down = true;
        try (SharedStore store = SharedStore.inProcess(clock, 100);
                RevocationFeed feed = new RevocationFeed(view, store, List.of(source), Optional.of(clock), Duration.ofMinutes(1))) {
            assertThat(view.loaded()).isFalse();
            assertThat(view.notLoadedReason()).get().asString().contains("the fake source").contains("connection refused");

            source.down = false;
            source.held.add(new RevokedSerial(DOMAIN, BigInteger.TEN, clock.instant().plusSeconds(60)));
            feed.reload();

            assertThat(view.loaded()).isTrue();
            assertThat(view.isRevoked(DOMAIN, BigInteger.TEN)).isTrue();
            source.down = true;
            feed.reload();
            assertThat(view.loaded()).as("a later failure keeps what was read").isTrue();
            assertThat(view.isRevoked(DOMAIN, BigInteger.TEN)).isTrue();
        }
    }

    @Test
    void aChainWithARevokedSerial_isFound_inItsOwnTrustDomainOnly_untilItExpires() {
        TestPki pki = TestPki.create("feed.test");
        X509Svid svid = pki.svid("/ns/a/sa/b");
        RevokedSerials view = new RevokedSerials();
        Certificate[] chain = svid.chain().toArray(new Certificate[0]);
        SpiffeId id = svid.spiffeId();
        assertThat(view.revokedIn(id, chain)).isEmpty();

        view.add(new RevokedSerial(TrustDomain.of("other.test"), svid.leaf().getSerialNumber(), clock.instant().plusSeconds(60)));
        assertThat(view.revokedIn(id, chain)).as("same serial, another trust domain").isEmpty();
        view.add(new RevokedSerial(DOMAIN, svid.leaf().getSerialNumber(), clock.instant().plusSeconds(60)));
        assertThat(view.revokedIn(id, chain)).contains(svid.leaf().getSerialNumber());

        view.prune(clock.instant().plusSeconds(61));
        assertThat(view.revokedIn(id, chain)).isEmpty();
    }

    @Test
    void messages_roundTrip_andMalformedOnesNameWhatWasWrong() {
        RevokedSerial s = RevokedSerial.ofHex(DOMAIN, "00AB12", Instant.ofEpochSecond(1_800_000_000));

        assertThat(RevokedSerial.parse(s.toMessage())).isEqualTo(s);
        assertThat(s.serialHex()).isEqualTo("ab12");
        assertThatThrownBy(() -> RevokedSerial.parse("feed.test ab12")).hasMessageContaining("expected: '<trust-domain> <serial hex>");
        assertThatThrownBy(() -> RevokedSerial.parse("feed.test xyz 1")).hasMessageContaining("'xyz' (expected: 1 to 64 hex digits)");
        assertThatThrownBy(() -> RevokedSerial.parse("feed.test ab12 soon")).hasMessageContaining("notAfter 'soon'");
    }

    @Test
    void anAnnouncement_reachesEverySubscriberOfTheStore() throws Exception {
        try (SharedStore store = SharedStore.inProcess(clock, 100)) {
            RevokedSerials here = new RevokedSerials();
            RevokedSerials there = new RevokedSerials();
            try (RevocationFeed a = new RevocationFeed(here, store, List.of(), Optional.of(clock), Duration.ofMinutes(1));
                    RevocationFeed b = new RevocationFeed(there, store, List.of(), Optional.of(clock), Duration.ofMinutes(1))) {
                a.announce(new RevokedSerial(DOMAIN, BigInteger.TWO, clock.instant().plusSeconds(60)));

                assertThat(here.isRevoked(DOMAIN, BigInteger.TWO)).as("at once, before publishing").isTrue();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!there.isRevoked(DOMAIN, BigInteger.TWO) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(there.isRevoked(DOMAIN, BigInteger.TWO)).isTrue();
            }
        }
    }
}
