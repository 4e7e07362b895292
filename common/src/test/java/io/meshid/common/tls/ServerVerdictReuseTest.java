package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestPki;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A client's {@link SpiffeTrustManager} reuses its verdict on the last server chain only for the
 * very same chain under the very same bundle, inside the chain's validity and at most a minute:
 * an expired chain, a changed bundle, another chain and an authorizer that now refuses are all
 * refused (or verified in full) on the next handshake.
 */
class ServerVerdictReuseTest {

    private final TestPki pki = TestPki.create("verdict.test");
    private final Instant start = Instant.now();
    private final MutableClock clock = MutableClock.at(start);
    private final StaticSvidSource client = new StaticSvidSource(pki.svid("/ns/a/sa/client"), pki.bundle());
    private final X509Certificate[] server = pki.leaf("spiffe://verdict.test/meshid/identity-server")
            .validity(start.minus(Duration.ofMinutes(5)), start.plus(Duration.ofSeconds(30))).issue().chain().toArray(X509Certificate[]::new);
    private final AtomicBoolean allowed = new AtomicBoolean(true);
    private final SpiffeTrustManager trust = new SpiffeTrustManager(client, id -> allowed.get()
            && id.equals(SpiffeId.parse("spiffe://verdict.test/meshid/identity-server")), clock);

    @Test
    void theSameChainIsAcceptedAgain_untilItExpires() {
        assertThatCode(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).doesNotThrowAnyException();
        clock.advance(Duration.ofSeconds(20));
        assertThatCode(() -> trust.checkServerTrusted(server.clone(), "ECDHE_ECDSA")).doesNotThrowAnyException();
        clock.advance(Duration.ofSeconds(11));
        assertThatThrownBy(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("expired");
    }

    @Test
    void aNewBundle_verifiesInFull() {
        assertThatCode(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).doesNotThrowAnyException();
        client.update(TestPki.create("verdict.test").bundle());
        assertThatThrownBy(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not chain to");
    }

    @Test
    void anotherChain_verifiesInFull_andTheAuthorizerIsAskedEveryTime() {
        X509Certificate[] stranger = TestPki.create("verdict.test").leaf("spiffe://verdict.test/meshid/identity-server").issue()
                .chain().toArray(X509Certificate[]::new);
        assertThatCode(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.checkServerTrusted(stranger, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
        assertThatCode(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).doesNotThrowAnyException();
        allowed.set(false);
        assertThatThrownBy(() -> trust.checkServerTrusted(server, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("not authorized");
    }

    @Test
    void aVerdictIsKeptAtMostAMinute_andNotForAClockSetBack() {
        X509Certificate[] longLived = pki.leaf("spiffe://verdict.test/meshid/identity-server").issue().chain().toArray(X509Certificate[]::new);
        assertThatCode(() -> trust.checkServerTrusted(longLived, "ECDHE_ECDSA")).doesNotThrowAnyException();
        // Past the minute (or before the verification) the chain is verified again: still valid, so still accepted.
        clock.advance(Duration.ofSeconds(SpiffeTrustManager.SERVER_VERDICT_SECONDS + 1));
        assertThatCode(() -> trust.checkServerTrusted(longLived, "ECDHE_ECDSA")).doesNotThrowAnyException();
        clock.set(start.minus(Duration.ofMinutes(10)));
        assertThatThrownBy(() -> trust.checkServerTrusted(longLived, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("not valid before");
        assertThat(SpiffeTrustManager.SERVER_VERDICT_SECONDS).isEqualTo(60);
    }
}
