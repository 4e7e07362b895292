package io.meshid.common.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityConfigTest {

    private static final SpiffeId IDS = SpiffeId.parse("spiffe://cfg.test/meshid/identity-server");
    private static final SpiffeId CA = SpiffeId.parse("spiffe://cfg.test/meshid/cert-authority");

    @TempDir
    Path dir;

    @Test
    void badAddresses_areRefusedWithWhatWasExpected() {
        for (String bad : new String[] {"localhost", ":7002", "host:", "host:0", "host:70000", "host:http"}) {
            assertThatThrownBy(() -> IdentityConfig.of(bad, IDS, "127.0.0.1:7001", CA, dir, new Evidence.JoinToken("t")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: host:port");
        }
        IdentityConfig ok = IdentityConfig.of("[::1]:7002", IDS, "127.0.0.1:7001", CA, dir, new Evidence.JoinToken("t"));
        assertThat(IdentityConfig.host(ok.identityServer())).isEqualTo("[::1]");
        assertThat(IdentityConfig.port(ok.identityServer())).isEqualTo(7002);
    }

    @Test
    void serversAndTheRequestedId_mustShareOneTrustDomain() {
        assertThatThrownBy(() -> IdentityConfig.of("h:1", IDS, "h:2", SpiffeId.parse("spiffe://other.test/meshid/cert-authority"), dir,
                new Evidence.JoinToken("t"))).hasMessageContaining("different trust domains");
        assertThatThrownBy(() -> new IdentityConfig("h:1", IDS, "h:2", CA, dir, new Evidence.JoinToken("t"),
                Optional.of(SpiffeId.parse("spiffe://other.test/app")), Backoff.DEFAULT, Clock.systemUTC()))
                .hasMessageContaining("expected: one of trust domain cfg.test");
    }

    @Test
    void evidence_neverShowsTheToken_andBadTokensAreRefused() {
        assertThat(new Evidence.JoinToken("s3cret-token").toString()).doesNotContain("s3cret").contains("****");
        assertThatThrownBy(() -> new Evidence.JoinToken(" ")).hasMessageContaining("expected: 1 to 256");
        assertThatThrownBy(() -> new Evidence.JoinToken("x".repeat(257))).hasMessageContaining("257 characters");
        assertThatThrownBy(() -> new Evidence.Kubernetes("", dir)).hasMessageContaining("1 to 63");
        assertThat(new Evidence.JoinToken("t").reusable()).isFalse();
        assertThat(new Evidence.Kubernetes("prod", dir.resolve("token")).reusable()).isTrue();
    }

    @Test
    void aMissingOrEmptyBootstrapBundle_failsAtStart_namingTheFile() throws Exception {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> AttestedSvidSource.start(IdentityConfig.of("127.0.0.1:1", IDS, "127.0.0.1:2", CA, missing,
                new Evidence.JoinToken("t")))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> AttestedSvidSource.start(IdentityConfig.of("127.0.0.1:1", IDS, "127.0.0.1:2", CA, empty,
                new Evidence.JoinToken("t")))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no certificate");
    }

    @Test
    void identityServerWithAnotherSpiffeId_isRefusedBeforeTheTokenIsSent() throws Exception {
        TestPki pki = TestPki.create("cfg.test");
        BootstrapTrustManager manager = new BootstrapTrustManager(pki.bundle(), IDS, Clock.systemUTC());
        var impostor = pki.leaf("spiffe://cfg.test/ns/default/sa/impostor").issue();
        assertThatThrownBy(() -> manager.checkServerTrusted(impostor.chain().toArray(new java.security.cert.X509Certificate[0]), "ECDHE"))
                .hasMessageContaining("expected: " + IDS);
        var real = pki.leaf(IDS.toString()).issue();
        manager.checkServerTrusted(real.chain().toArray(new java.security.cert.X509Certificate[0]), "ECDHE");
        TestPki other = TestPki.create("cfg.test");
        var foreign = other.leaf(IDS.toString()).issue();
        assertThatThrownBy(() -> manager.checkServerTrusted(foreign.chain().toArray(new java.security.cert.X509Certificate[0]), "ECDHE"))
                .hasMessageContaining("identity-server's certificate");
        assertThat(Pem.writeCertificates(pki.bundle().authorities())).contains("BEGIN CERTIFICATE");
    }
}
