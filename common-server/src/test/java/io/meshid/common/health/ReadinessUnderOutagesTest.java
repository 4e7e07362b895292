package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.CuttableProxy;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readiness through real outages: PostgreSQL behind a proxy the test cuts, and a redis-server of
 * the test's own that it kills. Promises: {@code /health/readiness} answers within one second
 * whatever the dependencies do; a database outage leaves a server that does not require the
 * database ready (200) and names the database in the body; a required Redis that is gone makes
 * it not ready (503); either way readiness is back to {@code UP} within 2 s of the dependency's
 * return, without a restart.
 */
@RequiresPostgres
@RequiresCommand(value = "redis-server", install = "apt-get install redis-server")
@Timeout(90)
class ReadinessUnderOutagesTest {

    private static final Duration ANSWER_BOUND = Duration.ofSeconds(1);
    private static final Duration NOTICE_BOUND = Duration.ofSeconds(3);
    private static final Duration RECOVERY_PROMISE = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void readiness_degradesOnTheDatabase_failsOnARequiredRedis_andRecovers() throws Exception {
        URI pg = URI.create(ExternalServices.postgresUrl().replaceFirst("^jdbc:", ""));
        try (TestDatabase database = TestDatabase.postgres();
                CuttableProxy proxy = CuttableProxy.to(pg.getHost(), pg.getPort() < 0 ? 5432 : pg.getPort());
                OwnRedis redis = OwnRedis.start()) {
            Map<String, Object> p = new HashMap<>(database.properties("common"));
            String viaProxy = database.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
            p.put("meshid.database.url", viaProxy);
            p.put("datasources.default.url", viaProxy);
            p.put("meshid.data-dir", Files.createTempDirectory("meshid-readiness").toString());
            p.put("micronaut.server.port", -1);
            p.put("grpc.server.port", 0);
            p.put("meshid.tls.mode", "PLAINTEXT");
            p.put("meshid.redis.uri", redis.uri());
            p.put("meshid.redis.command-timeout", "500ms");
            p.put("meshid.health.required", List.of("redis"));
            try (EmbeddedServer server = ApplicationContext.builder().properties(p).run(EmbeddedServer.class)) {
                URI readiness = URI.create("http://127.0.0.1:" + server.getPort() + "/health/readiness");
                for (int i = 0; i < 3; i++) {
                    // Warm-up: the first answers of a fresh JVM are slow whatever the dependencies do.
                    http.send(HttpRequest.newBuilder(readiness).GET().build(), HttpResponse.BodyHandlers.ofString());
                }
                assertThat(await(readiness, r -> r.statusCode() == 200 && !r.body().contains("DOWN"), NOTICE_BOUND).statusCode())
                        .isEqualTo(200);

                proxy.cut();
                HttpResponse<String> degraded = await(readiness, r -> r.body().contains("\"database\":{") && databaseDown(r),
                        NOTICE_BOUND);
                assertThat(degraded.statusCode()).as("ready while the database is gone: " + degraded.body()).isEqualTo(200);
                assertThat(degraded.body()).contains("DEGRADED");
                // Details are shown to anyone: the host's disk sizes are not among them.
                assertThat(degraded.body()).doesNotContain("diskSpace").doesNotContain("\"free\"");

                proxy.restore();
                assertThat(databaseDown(await(readiness, r -> !databaseDown(r), RECOVERY_PROMISE))).as("database back").isFalse();

                redis.stop();
                HttpResponse<String> down = await(readiness, r -> r.statusCode() == 503, NOTICE_BOUND);
                assertThat(down.statusCode()).as("not ready without the required Redis: " + down.body()).isEqualTo(503);

                redis.startAgain();
                assertThat(await(readiness, r -> r.statusCode() == 200, RECOVERY_PROMISE).statusCode()).as("Redis back")
                        .isEqualTo(200);

                HttpResponse<String> metrics = get(URI.create("http://127.0.0.1:" + server.getPort() + "/prometheus"));
                assertThat(metrics.body()).contains("meshid_dependency_up{dependency=\"database\"} 1.0")
                        .contains("meshid_dependency_up{dependency=\"redis\"} 1.0");
            }
        }
    }

    private static boolean databaseDown(HttpResponse<String> r) {
        return r.body().matches("(?s).*\"database\":\\{[^}]*\"status\":\"DOWN\".*");
    }

    /** Polls until {@code done} holds or {@code bound} passed; every answer must come within {@link #ANSWER_BOUND}. */
    private HttpResponse<String> await(URI uri, Predicate<HttpResponse<String>> done, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        HttpResponse<String> last;
        do {
            last = get(uri);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return last;
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answer time of " + uri).isLessThan(ANSWER_BOUND);
        return r;
    }
}
