package io.meshid.ca.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.testing.CaServer;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshid.tls.server-names}: the server SVIDs the CA issues in dev name the hosts they serve
 * (DNS and IP SANs), inside the trust domain's name constraints, so that OpenSSL (as curl uses it)
 * verifies the host name and the IP address with the trust bundle alone; the admin's SVID names
 * no host.
 */
@RequiresCommand(value = "openssl", install = "apt-get install openssl")
class ServerNamesTest {

    @TempDir
    Path dir;

    @Test
    void serverSvids_nameLocalhostAndLoopback_andOpenSslVerifiesThemByName() throws Exception {
        Path creds = dir.resolve("credentials");
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.dev.credentials-dir", creds.toString(),
                "meshid.tls.server-names", "localhost,127.0.0.1", "meshid.ca.dns-name-suffixes", "ca.test=localhost"))) {
            Path identity = creds.resolve("identity-server");
            List<X509Certificate> chain = Pem.readCertificates(Files.readString(identity.resolve("cert.pem")));
            assertThat(chain.get(0).getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                    .containsExactlyInAnyOrder("spiffe://ca.test/meshid/identity-server", "localhost", "127.0.0.1");
            List<X509Certificate> admin = Pem.readCertificates(Files.readString(creds.resolve("admin").resolve("cert.pem")));
            assertThat(admin.get(0).getSubjectAlternativeNames()).hasSize(1);

            String cert = identity.resolve("cert.pem").toString();
            String bundle = identity.resolve("bundle.pem").toString();
            assertThat(openssl("verify", "-CAfile", bundle, "-untrusted", cert, "-verify_hostname", "localhost", cert)).contains("OK");
            assertThat(openssl("verify", "-CAfile", bundle, "-untrusted", cert, "-verify_ip", "127.0.0.1", cert)).contains("OK");
            assertThat(openssl("verify", "-CAfile", bundle, "-untrusted", cert, "-verify_hostname", "evil.example", cert))
                    .doesNotContain(": OK").contains("hostname mismatch");
        }
    }

    private static String openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
