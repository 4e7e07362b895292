package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.CuttableProxy;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    @Test
    void readiness_degradesOnTheDatabase_failsOnARequiredRedis_andRecovers() throws Exception {
        try (TestDatabase database = TestDatabase.postgres();
                CuttableProxy proxy = CuttableProxy.toPostgres();
                OwnRedis redis = OwnRedis.start()) {
            Map<String, Object> p = Readiness.serverProperties(database, proxy.route(database.url()));
            p.put("meshid.redis.uri", redis.uri());
            p.put("meshid.redis.command-timeout", "500ms");
            p.put("meshid.health.required", List.of("redis"));
            try (EmbeddedServer server = ApplicationContext.builder().properties(p).run(EmbeddedServer.class)) {
                Readiness readiness = Readiness.answeringWithin(server.getPort(), ANSWER_BOUND);
                readiness.warmUp();
                assertThat(readiness.await(r -> r.statusCode() == 200 && !r.body().contains("DOWN"), NOTICE_BOUND).statusCode())
                        .isEqualTo(200);

                proxy.cut();
                HttpResponse<String> degraded = readiness.await(r -> Readiness.shows(r, "database", "DOWN"), NOTICE_BOUND);
                assertThat(degraded.statusCode()).as("ready while the database is gone: " + degraded.body()).isEqualTo(200);
                assertThat(degraded.body()).contains("DEGRADED");
                // Details are shown to anyone: the host's disk sizes are not among them.
                assertThat(degraded.body()).doesNotContain("diskSpace").doesNotContain("\"free\"");

                proxy.restore();
                assertThat(Readiness.shows(readiness.await(r -> !Readiness.shows(r, "database", "DOWN"), RECOVERY_PROMISE),
                        "database", "DOWN")).as("database back").isFalse();

                redis.stop();
                HttpResponse<String> down = readiness.await(r -> r.statusCode() == 503, NOTICE_BOUND);
                assertThat(down.statusCode()).as("not ready without the required Redis: " + down.body()).isEqualTo(503);

                redis.startAgain();
                assertThat(readiness.await(r -> r.statusCode() == 200, RECOVERY_PROMISE).statusCode()).as("Redis back")
                        .isEqualTo(200);

                HttpResponse<String> metrics = readiness.get(URI.create("http://127.0.0.1:" + server.getPort() + "/prometheus"));
                assertThat(metrics.body()).contains("meshid_dependency_up{dependency=\"database\"} 1.0")
                        .contains("meshid_dependency_up{dependency=\"redis\"} 1.0");
            }
        }
    }
}
