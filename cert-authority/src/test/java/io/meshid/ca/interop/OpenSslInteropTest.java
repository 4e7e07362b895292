package io.meshid.ca.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.testing.CaServer;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Svid;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA's certificates judged by a tool no one here wrote: OpenSSL verifies the chain against
 * the bundle, prints the extensions a relying party reads, and completes a TLS 1.3 handshake with
 * mutual authentication between two leaves the CA issued.
 */
@RequiresCommand(value = "openssl", install = "apt-get install openssl")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenSslInteropTest {

    private CaServer server;

    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void openSslVerify_acceptsLeafWithIntermediateAgainstBundle() throws Exception {
        Path files = write("verify", server.svid("spiffe://ca.test/ns/payments/sa/api"));

        Result r = run("openssl", "verify", "-CAfile", files.resolve("bundle.pem").toString(),
                "-untrusted", files.resolve("intermediate.pem").toString(), "-purpose", "sslclient",
                files.resolve("leaf.pem").toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("leaf.pem: OK");
    }

    @Test
    void openSslVerify_rejectsLeafAgainstForeignBundle() throws Exception {
        Path files = write("foreign", server.svid("spiffe://ca.test/ns/payments/sa/api"));
        Path foreign = files.resolve("foreign.pem");
        Files.writeString(foreign, Pem.writeCertificates(List.of(io.meshid.common.testing.TestPki.create("ca.test").root())));

        Result r = run("openssl", "verify", "-CAfile", foreign.toString(), "-untrusted",
                files.resolve("intermediate.pem").toString(), files.resolve("leaf.pem").toString());

        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("unable to get");
    }

    @Test
    void openSslX509Text_showsSpiffeUriSanUsagesAndValidity() throws Exception {
        Path files = write("text", server.svid("spiffe://ca.test/ns/payments/sa/api"));

        Result r = run("openssl", "x509", "-in", files.resolve("leaf.pem").toString(), "-noout", "-text");

        assertThat(r.exit()).isZero();
        assertThat(r.output())
                .contains("URI:spiffe://ca.test/ns/payments/sa/api")
                .contains("X509v3 Key Usage: critical", "Digital Signature")
                .doesNotContain("Certificate Sign")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication")
                .contains("CA:FALSE")
                .contains("X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier")
                .contains("Not Before", "Not After")
                .contains("ecdsa-with-SHA256");
        assertThat(r.output().split("URI:", -1)).as("exactly one URI SAN").hasSize(2);
    }

    @Test
    void tls13Handshake_betweenTwoLeaves_withMutualAuthentication() throws Exception {
        Path serverFiles = write("server", server.svid("spiffe://ca.test/ns/db/sa/primary"));
        Path clientFiles = write("client", server.svid("spiffe://ca.test/ns/payments/sa/api"));
        int port = freePort();

        Process sServer = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-tls1_3",
                "-cert", serverFiles.resolve("chain.pem").toString(), "-key", serverFiles.resolve("key.pem").toString(),
                "-CAfile", serverFiles.resolve("bundle.pem").toString(), "-Verify", "2", "-verify_return_error",
                "-naccept", "1", "-quiet").redirectErrorStream(true).start();
        try {
            Result client = awaitClient(port, clientFiles);
            assertThat(client.exit()).as(client.output()).isZero();
            assertThat(client.output()).contains("Protocol version: TLSv1.3").contains("Verification: OK");
            assertThat(sServer.waitFor(10, TimeUnit.SECONDS)).isTrue();
            String serverLog = new String(sServer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(serverLog).doesNotContain("error");
        } finally {
            sServer.destroyForcibly();
        }
    }

    private Result awaitClient(int port, Path clientFiles) throws Exception {
        Result last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            last = run("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_3", "-brief",
                    "-cert", clientFiles.resolve("chain.pem").toString(), "-key", clientFiles.resolve("key.pem").toString(),
                    "-CAfile", clientFiles.resolve("bundle.pem").toString(), "-verify_return_error");
            if (!last.output().contains("Connection refused")) {
                return last;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return last;
    }

    private Path write(String name, X509Svid svid) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        SvidSource ca = server.context().getBean(SvidSource.class);
        Files.writeString(d.resolve("leaf.pem"), Pem.writeCertificates(List.of(svid.leaf())));
        Files.writeString(d.resolve("intermediate.pem"), Pem.writeCertificates(svid.chain().subList(1, svid.chain().size())));
        Files.writeString(d.resolve("chain.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(d.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(d.resolve("bundle.pem"), Pem.writeCertificates(ca.bundle().authorities()));
        return d;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
