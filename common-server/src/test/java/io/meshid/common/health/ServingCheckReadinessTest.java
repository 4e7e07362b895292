package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Singleton;
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

/**
 * A server's own {@link ServingCheck} in readiness: named in the body and the metric, required ones
 * make the server not ready while they fail and ready again when they hold; a required name that
 * is neither a dependency nor a check of this server stops start-up with the names it knows.
 */
class ServingCheckReadinessTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRequiredServingCheck_makesTheServerNotReadyWhileItFails() throws Exception {
        try (TestDatabase database = TestDatabase.h2();
                EmbeddedServer server = ApplicationContext.builder().properties(properties(database, List.of(Toggle.NAME)))
                        .run(EmbeddedServer.class)) {
            Toggle toggle = server.getApplicationContext().getBean(Toggle.class);
            URI readiness = URI.create("http://127.0.0.1:" + server.getPort() + "/health/readiness");
            assertThat(await(readiness, r -> r.statusCode() == 200).body()).contains("\"" + Toggle.NAME + "\":{");

            toggle.failing = true;
            HttpResponse<String> down = await(readiness, r -> r.statusCode() == 503);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).matches("(?s).*\"" + Toggle.NAME + "\":\\{[^}]*\"status\":\"DOWN\".*")
                    .doesNotContain("toggled off");
            assertThat(get(URI.create("http://127.0.0.1:" + server.getPort() + "/prometheus")).body())
                    .contains("meshid_dependency_up{dependency=\"" + Toggle.NAME + "\"} 0.0");

            toggle.failing = false;
            assertThat(await(readiness, r -> r.statusCode() == 200).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aRequiredNameNoOneChecks_stopsStartUp_namingWhatIsKnown() throws Exception {
        try (TestDatabase database = TestDatabase.h2()) {
            assertThatThrownBy(() -> ApplicationContext.builder().properties(properties(database, List.of("revocation-veiw")))
                    .run(EmbeddedServer.class).close())
                    .hasStackTraceContaining("meshid.health.required: revocation-veiw (expected: one of [database, redis, "
                            + Toggle.NAME + "])");
        }
    }

    private static Map<String, Object> properties(TestDatabase database, List<String> required) throws Exception {
        Map<String, Object> p = new HashMap<>(database.properties("common"));
        p.put("meshid.data-dir", Files.createTempDirectory("meshid-serving-check").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.put("meshid.tls.mode", "PLAINTEXT");
        p.put("meshid.test.serving-check", true);
        p.put("meshid.health.required", required);
        return p;
    }

    private HttpResponse<String> await(URI uri, Predicate<HttpResponse<String>> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
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
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A check the test turns on and off. */
    @Singleton
    @Requires(property = "meshid.test.serving-check", value = "true")
    static final class Toggle implements ServingCheck {
        static final String NAME = "test-check";
        volatile boolean failing;

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public void check() {
            if (failing) {
                throw new IllegalStateException("toggled off");
            }
        }
    }
}
