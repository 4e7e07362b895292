package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.CuttableProxy;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17's recovery promise after a long PostgreSQL outage: the database is gone for 11 s, long
 * enough for Hikari's own back-off to reach its 5 s cap, while the readiness probe keeps asking the
 * pool for connections. Promise: within 2 s of the database's return the server's pool lends
 * connections again and readiness names the database {@code UP}, without a restart.
 */
@RequiresPostgres
@Timeout(60)
class LongDatabaseOutageTest {

    /**
     * From the cut: Hikari's attempts fail at about +0, +0.01 … +2.6, +5.2 s, then it sleeps 5 s,
     * so a database back at +11 s would wait for the attempt at about +15 s without the fix.
     */
    private static final Duration OUTAGE = Duration.ofSeconds(11);
    private static final Duration RECOVERY_PROMISE = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void afterAnElevenSecondOutage_thePoolServesWithinTwoSecondsOfTheDatabasesReturn() throws Exception {
        URI pg = URI.create(ExternalServices.postgresUrl().replaceFirst("^jdbc:", ""));
        try (TestDatabase database = TestDatabase.postgres();
                CuttableProxy proxy = CuttableProxy.to(pg.getHost(), pg.getPort() < 0 ? 5432 : pg.getPort())) {
            Map<String, Object> p = new HashMap<>(database.properties("common"));
            String viaProxy = database.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
            p.put("meshid.database.url", viaProxy);
            p.put("datasources.default.url", viaProxy);
            p.put("meshid.data-dir", Files.createTempDirectory("meshid-long-outage").toString());
            p.put("micronaut.server.port", -1);
            p.put("grpc.server.port", 0);
            p.put("meshid.tls.mode", "PLAINTEXT");
            try (EmbeddedServer server = ApplicationContext.builder().properties(p).run(EmbeddedServer.class)) {
                URI readiness = URI.create("http://127.0.0.1:" + server.getPort() + "/health/readiness");
                DataSource pool = DelegatingDataSource.unwrapDataSource(server.getApplicationContext().getBean(DataSource.class));
                assertThat(awaitDatabase(readiness, "UP", Duration.ofSeconds(5))).as("database up before the cut").isTrue();

                proxy.cut();
                long cutAt = System.nanoTime();
                assertThat(awaitDatabase(readiness, "DOWN", Duration.ofSeconds(3))).as("database seen down").isTrue();
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - cutAt).toMillis()));

                proxy.restore();
                long back = System.nanoTime();
                assertThat(awaitDatabase(readiness, "UP", RECOVERY_PROMISE))
                        .as("readiness names the database UP within %s of its return", RECOVERY_PROMISE).isTrue();
                try (var c = pool.getConnection(); var s = c.createStatement(); var rs = s.executeQuery("SELECT 1")) {
                    assertThat(rs.next()).isTrue();
                }
                System.out.printf("LongDatabaseOutageTest: served again %d ms after the database returned%n",
                        Duration.ofNanos(System.nanoTime() - back).toMillis());
            }
        }
    }

    /** Polls readiness until the database's status is {@code status} or {@code bound} passed. */
    private boolean awaitDatabase(URI readiness, String status, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        do {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.body().matches("(?s).*\"database\":\\{[^}]*\"status\":\"" + status + "\".*")) {
                return true;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return false;
    }
}
