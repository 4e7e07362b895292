package io.meshid.ca.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.authority.Authority;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.testing.CaServer;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.SvidVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev credentials pipeline as ./meshid dev runs it: the CA writes SVID files for the other
 * servers and the admin; a server reading them (PemFileSvidSource, as identity-server does) gets a
 * valid SVID, and a rotation reaches it through the files without a restart.
 */
class DevCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void caWritesServerSvids_andARotationReachesTheirReadersWithoutRestart() throws Exception {
        Path creds = dir.resolve("credentials");
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.dev.credentials-dir", creds.toString()))) {
            Path identity = creds.resolve("identity-server");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(identity.resolve("key.pem")))).isEqualTo("rw-------");
            for (String name : new String[] {"admin", "identity-server", "policy-server"}) {
                assertThat(creds.resolve(name).resolve("cert.pem")).exists();
            }

            try (PemFileSvidSource reader = new PemFileSvidSource(identity.resolve("cert.pem"), identity.resolve("key.pem"),
                    identity.resolve("bundle.pem"), Duration.ofMillis(100))) {
                assertThat(reader.svid().spiffeId()).isEqualTo(SpiffeId.parse("spiffe://ca.test/meshid/identity-server"));
                assertThat(new SvidVerifier().verify(reader.svid().chain(), reader.bundle(), Instant.now()))
                        .isEqualTo(reader.svid().spiffeId());

                AuthorityManager authorities = server.context().getBean(AuthorityManager.class);
                AuthorityManager.Rotation rotation = authorities.rotateNow(TrustDomain.of("ca.test"), Authority.Level.INTERMEDIATE,
                        "test", "test");
                X509Certificate fresh = rotation.activated().get(0).certificate();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!reader.bundle().contains(fresh) && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
                assertThat(reader.bundle().contains(fresh)).as("the reader sees the new intermediate in its bundle").isTrue();
                assertThat(new SvidVerifier().verify(reader.svid().chain(), reader.bundle(), Instant.now()))
                        .as("the SVID it holds still verifies after the rotation").isEqualTo(reader.svid().spiffeId());
            }
        }
    }
}
