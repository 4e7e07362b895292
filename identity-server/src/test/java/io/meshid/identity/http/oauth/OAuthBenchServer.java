package io.meshid.identity.http.oauth;

import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * For identity-server/bench/run-oauth-vs-keycloak.sh: identity-server with its bridge on HTTPS (as
 * {@link BridgeServer}), one {@code client_secret_basic} client, and the facts the load client
 * needs written to {@code args[0]} as shell assignments; runs until killed. Not a test.
 */
public final class OAuthBenchServer {

    private OAuthBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        BridgeServer bridge = new BridgeServer(Map.of("meshid.identity.oauth.failures-per-source", 10_000,
                "meshid.identity.oauth.requests-per-source-per-second", 10_000_000));
        String secret = bridge.client("bench", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS),
                List.of("bench"), List.of("https://api.bench"), Optional.empty(), Optional.empty()).orElseThrow();
        Files.writeString(Path.of(args[0]), "MESHID_URL=" + bridge.base() + "\nMESHID_SECRET=" + secret + "\nMESHID_BUNDLE="
                + bridge.dir.resolve("bundle.pem") + "\nMESHID_PID=" + ProcessHandle.current().pid() + "\n");
        Runtime.getRuntime().addShutdownHook(new Thread(bridge::close));
        new CountDownLatch(1).await();
    }
}
