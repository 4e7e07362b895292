package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A server's own {@link ServingCheck} in readiness: named in the body and the metric, required ones
 * make the server not ready while they fail and ready again when they hold; a required name that
 * is neither a dependency nor a check of this server stops start-up with the names it knows.
 */
class ServingCheckReadinessTest {

    private static final Duration BOUND = Duration.ofSeconds(5);

    @Test
    void aRequiredServingCheck_makesTheServerNotReadyWhileItFails() throws Exception {
        try (TestDatabase database = TestDatabase.h2();
                EmbeddedServer server = ApplicationContext.builder().properties(properties(database, List.of(Toggle.NAME)))
                        .run(EmbeddedServer.class)) {
            Toggle toggle = server.getApplicationContext().getBean(Toggle.class);
            Readiness readiness = Readiness.of(server.getPort());
            assertThat(readiness.await(r -> r.statusCode() == 200, BOUND).body()).contains("\"" + Toggle.NAME + "\":{");

            toggle.failing = true;
            HttpResponse<String> down = readiness.await(r -> r.statusCode() == 503, BOUND);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(Readiness.shows(down, Toggle.NAME, "DOWN")).as(down.body()).isTrue();
            assertThat(down.body()).doesNotContain("toggled off");
            assertThat(readiness.get(URI.create("http://127.0.0.1:" + server.getPort() + "/prometheus")).body())
                    .contains("meshid_dependency_up{dependency=\"" + Toggle.NAME + "\"} 0.0");

            toggle.failing = false;
            assertThat(readiness.await(r -> r.statusCode() == 200, BOUND).statusCode()).isEqualTo(200);
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
        Map<String, Object> p = Readiness.serverProperties(database, database.url());
        p.put("meshid.test.serving-check", true);
        p.put("meshid.health.required", required);
        return p;
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
