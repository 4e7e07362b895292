package io.meshid.identity.http.oauth;

import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * For identity-server/bench/run-oauth-vs-keycloak.sh: identity-server with its bridge on HTTPS (as
 * {@link BridgeServer}), one {@code client_secret_basic} client, and the facts the load client
 * needs written to {@code args[0]} as shell assignments; runs until killed. Not a test.
 *
 * <p>The database is {@code args[1]}: {@code postgres} (the default; a fresh schema in the
 * machine's PostgreSQL, as production runs, so the audit rows leave the server's heap; its
 * connections carry the application name {@link #APPLICATION_NAME}, by which the script finds
 * their backends to count their CPU) or {@code h2} (in memory, inside this JVM).
 */
public final class OAuthBenchServer {

    static final String APPLICATION_NAME = "meshid-oauth-bench";

    private OAuthBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 1 ? args[1] : "postgres";
        Map<String, Object> extra = new HashMap<>(Map.of("meshid.identity.oauth.failures-per-source", 10_000,
                "meshid.identity.oauth.requests-per-source-per-second", 10_000_000));
        TestDatabase db;
        switch (kind) {
            case "postgres" -> {
                db = TestDatabase.postgres();
                String url = db.url() + "&ApplicationName=" + APPLICATION_NAME;
                extra.put("datasources.default.url", url);
                extra.put("meshid.database.url", url);
            }
            case "h2" -> db = TestDatabase.h2();
            default -> throw new IllegalArgumentException("database: " + kind + " (expected: postgres or h2)");
        }
        BridgeServer bridge = new BridgeServer(extra, db);
        String secret = bridge.client("bench", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS),
                List.of("bench"), List.of("https://api.bench"), Optional.empty(), Optional.empty()).orElseThrow();
        Files.writeString(Path.of(args[0]), "MESHID_URL=" + bridge.base() + "\nMESHID_SECRET=" + secret + "\nMESHID_BUNDLE="
                + bridge.dir.resolve("bundle.pem") + "\nMESHID_PID=" + ProcessHandle.current().pid() + "\nMESHID_DB=" + kind
                + "\nMESHID_DB_APP=" + APPLICATION_NAME + "\n");
        Runtime.getRuntime().addShutdownHook(new Thread(bridge::close));
        new CountDownLatch(1).await();
    }
}
