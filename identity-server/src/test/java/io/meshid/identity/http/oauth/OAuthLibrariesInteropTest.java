package io.meshid.identity.http.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The bridge against OAuth libraries no one here wrote, unmodified: oauth4webapi and jose under
 * the machine's Node (src/test/node/oauth.mjs) run discovery, client_credentials with
 * client_secret_basic, client_secret_post, private_key_jwt and tls_client_auth (RFC 8705, over the
 * metadata's mtls_endpoint_aliases with the client's X.509-SVID; the token bound to it by
 * {@code cnf.x5t#S256}, also in introspection; the same client without its certificate parsed as
 * {@code invalid_client}), token exchange with an actor, introspection and revocation, and verify
 * every token against the JWKS (jose) and, unless certificate-bound, as an RFC 9068 resource server
 * (oauth4webapi's validateJwtAccessToken, which knows no confirmation method but DPoP's). TLS is verified by Node with the trust
 * bundle and the host name. The issuer is the bridge's https URL, as an operator configures it
 * for OAuth clients ({@code meshid.identity.jwt.issuer}).
 */
class OAuthLibrariesInteropTest {

    static final Path NODE_DIR = Path.of("src/test/node");
    static final String INSTALL = "npm ci --prefix identity-server/src/test/node";

    @Test
    void oauth4webapiAndJose_runEveryFlow() throws Exception {
        boolean present = Files.isDirectory(NODE_DIR.resolve("node_modules/oauth4webapi"));
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("oauth4webapi is required in CI (CI=true) but is not installed: " + INSTALL);
        }
        Assumptions.assumeTrue(present, "oauth4webapi is not installed; to run this test: " + INSTALL);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String issuer = "https://localhost:" + port;
        String api = "https://api.bridge.test";
        try (BridgeServer bridge = new BridgeServer(Map.of("micronaut.server.port", port, "meshid.identity.jwt.issuer", issuer))) {
            List<GrantType> cc = List.of(GrantType.CLIENT_CREDENTIALS);
            String basic = bridge.client("node-basic", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS,
                    GrantType.TOKEN_EXCHANGE), List.of(), List.of(api), Optional.empty(), Optional.empty()).orElseThrow();
            String post = bridge.client("node-post", AuthMethod.CLIENT_SECRET_POST, cc, List.of(), List.of(api), Optional.empty(),
                    Optional.empty()).orElseThrow();
            ECKey key = new ECKeyGenerator(Curve.P_256).keyID("node-k1").generate();
            bridge.client("node-pkj", AuthMethod.PRIVATE_KEY_JWT, cc, List.of(), List.of(api),
                    Optional.of(new JWKSet(key.toPublicJWK()).toString()), Optional.empty());
            bridge.client("node-mtls", AuthMethod.TLS_CLIENT_AUTH, cc, List.of(), List.of(api), Optional.empty(),
                    Optional.of(SpiffeId.parse("spiffe://bridge.test/ns/ci/sa/node-runner")));
            X509Svid runner = bridge.pki.svid("/ns/ci/sa/node-runner");
            Files.writeString(bridge.dir.resolve("runner-cert.pem"), Pem.writeCertificates(runner.chain()));
            Files.writeString(bridge.dir.resolve("runner-key.pem"), Pem.writePrivateKey(runner.privateKey()));
            String upstream = bridge.client("node-upstream", AuthMethod.CLIENT_SECRET_BASIC, cc, List.of(),
                    List.of("spiffe://bridge.test/meshid/identity-server"), Optional.empty(), Optional.empty()).orElseThrow();

            ProcessBuilder pb = new ProcessBuilder("node", "oauth.mjs").directory(NODE_DIR.toFile()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("NODE_EXTRA_CA_CERTS", bridge.dir.resolve("bundle.pem").toString());
            env.put("ISSUER", issuer);
            env.put("AUDIENCE", api);
            env.put("BASIC_ID", "node-basic");
            env.put("BASIC_SECRET", basic);
            env.put("POST_ID", "node-post");
            env.put("POST_SECRET", post);
            env.put("PKJ_ID", "node-pkj");
            env.put("PKJ_JWK", key.toJSONString());
            env.put("MTLS_ID", "node-mtls");
            env.put("MTLS_CERT", bridge.dir.resolve("runner-cert.pem").toString());
            env.put("MTLS_KEY", bridge.dir.resolve("runner-key.pem").toString());
            env.put("UPSTREAM_ID", "node-upstream");
            env.put("UPSTREAM_SECRET", upstream);
            Process node = pb.start();
            String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).as(out).isZero();
            assertThat(out).contains("ok discovery", "ok client_credentials client_secret_basic", "ok client_credentials client_secret_post",
                    "ok client_credentials private_key_jwt", "ok token exchange with an actor", "ok introspection", "ok revocation",
                    "ok client_credentials tls_client_auth, certificate-bound", "ok tls_client_auth without a certificate is invalid_client");
        }
    }
}
