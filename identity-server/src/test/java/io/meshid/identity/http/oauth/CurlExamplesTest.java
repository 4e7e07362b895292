package io.meshid.identity.http.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The curl examples of docs/oauth.md, run as printed (the block that starts with {@code oauth=}),
 * against the bridge, with an endpoints.json and bundle laid out as {@code ./meshid dev} writes
 * them: curl verifies the server with the bundle and the host name, no {@code -k}. The request id
 * comes back, and the {@code tls_client_auth} token is bound to curl's client certificate.
 */
@RequiresCommand(value = "curl", install = "apt-get install curl")
class CurlExamplesTest {

    @Test
    void theDocsCurlExamples_workAsPrinted() throws Exception {
        String doc = Files.readString(Path.of("../docs/oauth.md"));
        int start = doc.indexOf("oauth=$(sed");
        String block = doc.substring(start, doc.indexOf("```", start));
        try (BridgeServer bridge = new BridgeServer(Map.of())) {
            String secret = bridge.client("ci", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of("deploy"),
                    List.of("https://deployer.example"), Optional.empty(), Optional.empty()).orElseThrow();
            bridge.client("runner", AuthMethod.TLS_CLIENT_AUTH, List.of(GrantType.CLIENT_CREDENTIALS), List.of(),
                    List.of("https://deployer.example"), Optional.empty(), Optional.of(SpiffeId.parse("spiffe://bridge.test/ns/ci/sa/runner")));
            X509Svid runner = bridge.pki.svid("/ns/ci/sa/runner");
            Path d = Files.createTempDirectory("meshid-dev");
            Files.writeString(d.resolve("runner-cert.pem"), Pem.writeCertificates(runner.chain()));
            Files.writeString(d.resolve("runner-key.pem"), Pem.writePrivateKey(runner.privateKey()));
            Files.createDirectories(d.resolve("credentials/admin"));
            Files.copy(bridge.dir.resolve("bundle.pem"), d.resolve("credentials/admin/bundle.pem"));
            Files.writeString(d.resolve("endpoints.json"), "{\"trust_domain\": \"bridge.test\",\n \"identity\": {\"grpc\": \"127.0.0.1:1\", "
                    + "\"http\": \"127.0.0.1:" + bridge.server.getPort() + "\", \"oauth\": \"" + bridge.base() + "\"}}\n");
            String token = (String) com.nimbusds.jose.util.JSONObjectUtils.parse(bridge.post(bridge.http(Optional.empty()), "/oauth2/token",
                    BridgeServer.form("grant_type", "client_credentials"), "Authorization", BridgeServer.basic("ci", secret)).body())
                    .get("access_token");

            ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-c", "d=" + d + "\n" + block + "\n").redirectErrorStream(true);
            pb.environment().put("SECRET", secret);
            pb.environment().put("TOKEN", token);
            pb.environment().put("CERT", d.resolve("runner-cert.pem").toString());
            pb.environment().put("KEY", d.resolve("runner-key.pem").toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"token_endpoint\"", "\"access_token\"", "\"scope\":\"deploy\"", "\"active\":true", "{}");
            assertThat(out).containsPattern("(?im)^x-request-id: deploy-1234\\r?$");
            String bound = out.substring(out.lastIndexOf("\"access_token\":\"") + 16).split("\"", 2)[0];
            assertThat(com.nimbusds.jwt.SignedJWT.parse(bound).getJWTClaimsSet().getJSONObjectClaim("cnf"))
                    .containsEntry("x5t#S256", io.meshid.identity.oauth.ClientAuthenticator.thumbprint(runner.leaf()));
        }
    }
}
