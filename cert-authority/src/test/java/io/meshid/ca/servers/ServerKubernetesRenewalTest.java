package io.meshid.ca.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.testing.CaServer;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Backoff;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import io.meshid.common.kubernetes.K8sTokens;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Svid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's own client ({@link AttestedSvidSource}, as {@code meshid.tls.attest.kubernetes-token-file}
 * starts it) against the in-process CA with a Kubernetes service account token: it gets exactly
 * the identity its account is granted, renews it, and once its SVID expired unrenewed (the CA was
 * out of reach past expiry, here: the CA's clock moved on) it attests again by itself with the
 * token the kubelet keeps fresh in the file, where a join token would have been spent.
 */
class ServerKubernetesRenewalTest {

    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://ca.test/meshid/policy-server");
    private static final SpiffeId CA = SpiffeId.parse(ServerKubernetesAttestTest.CA_AUDIENCE);

    @TempDir
    Path dir;

    @Test
    void aServer_attestsWithItsAccountsToken_renews_andAttestsAgainOnceItsSvidExpiredUnrenewed() throws Exception {
        K8sTokens issuer = K8sTokens.issuer(dir.resolve("jwks.json"));
        MutableClock clock = MutableClock.at(Instant.now());
        Map<String, Object> settings = new HashMap<>(ServerKubernetesAttestTest.clusterSettings(issuer));
        settings.put("meshid.test.server-svid-ttl", "PT5M");
        try (CaServer ca = new CaServer(TestDatabase.h2(), settings, clock)) {
            Path bundle = dir.resolve("bundle.pem");
            Files.writeString(bundle, Pem.writeCertificates(ca.context().getBean(SvidSource.class).bundle().authorities()));
            Path tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, issuer.token("meshid", "policy-server", clock.instant(),
                    b -> b.audience(ServerKubernetesAttestTest.CA_AUDIENCE)));
            String address = "127.0.0.1:" + ca.grpcPort();
            IdentityConfig config = new IdentityConfig(address, CA, address, CA, bundle, new Evidence.Kubernetes("prod", tokenFile),
                    Optional.empty(), new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)), clock);

            try (AttestedSvidSource source = AttestedSvidSource.start(config)) {
                X509Svid first = source.svid();
                assertThat(first.spiffeId()).isEqualTo(POLICY);

                source.renewSoon();
                X509Svid renewed = await(source, s -> !s.leaf().getSerialNumber().equals(first.leaf().getSerialNumber()));
                assertThat(renewed.spiffeId()).isEqualTo(POLICY);

                // Past the SVID's expiry: the CA refuses it in the handshake, so renewal cannot work.
                clock.advance(Duration.ofMinutes(6));
                Files.writeString(tokenFile, issuer.token("meshid", "policy-server", clock.instant(),
                        b -> b.audience(ServerKubernetesAttestTest.CA_AUDIENCE)));
                source.renewSoon();
                X509Svid again = await(source, s -> s.notAfter().isAfter(clock.instant()));
                assertThat(again.spiffeId()).isEqualTo(POLICY);
                assertThat(again.leaf().getSerialNumber()).isNotEqualTo(renewed.leaf().getSerialNumber());
            }
        }
    }

    /** Waits (10 s at most) until the source holds an SVID that passes {@code done}. */
    private static X509Svid await(AttestedSvidSource source, Predicate<X509Svid> done) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.test(source.svid())) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("the source still holds " + source.svid());
            }
            Thread.sleep(20);
        }
        return source.svid();
    }
}
