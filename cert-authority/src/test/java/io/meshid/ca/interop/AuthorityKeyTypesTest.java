package io.meshid.ca.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.testing.CaServer;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Svid;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Authorities of every allowed key type issue leaves that OpenSSL verifies. */
@RequiresCommand(value = "openssl", install = "apt-get install openssl")
class AuthorityKeyTypesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"EC_P256, ecdsa-with-SHA256", "EC_P384, ecdsa-with-SHA384", "RSA_3072, sha256WithRSAEncryption"})
    void authorityOfKeyType_issuesLeavesOpenSslVerifies(String algorithm, String signature) throws Exception {
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.key-algorithm", algorithm))) {
            X509Svid svid = server.svid("spiffe://ca.test/ns/a/sa/b");
            Files.writeString(dir.resolve("leaf.pem"), Pem.writeCertificates(List.of(svid.leaf())));
            Files.writeString(dir.resolve("chain.pem"), Pem.writeCertificates(svid.chain().subList(1, svid.chain().size())));
            Files.writeString(dir.resolve("bundle.pem"),
                    Pem.writeCertificates(server.context().getBean(SvidSource.class).bundle().authorities()));

            String verify = run("openssl", "verify", "-CAfile", dir.resolve("bundle.pem").toString(),
                    "-untrusted", dir.resolve("chain.pem").toString(), dir.resolve("leaf.pem").toString());
            String text = run("openssl", "x509", "-in", dir.resolve("leaf.pem").toString(), "-noout", "-text");

            assertThat(verify).contains("leaf.pem: OK");
            assertThat(text).contains("Signature Algorithm: " + signature);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
