package io.meshid.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A server's {@code /health/readiness} as the readiness tests read it: polled until a condition
 * holds or a bound passes, optionally with every answer required within a bound of its own.
 */
final class Readiness {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI uri;
    private final Optional<Duration> answerBound;

    private Readiness(URI uri, Optional<Duration> answerBound) {
        this.uri = uri;
        this.answerBound = answerBound;
    }

    /** Readiness of the server on {@code port}. */
    static Readiness of(int port) {
        return new Readiness(readinessUri(port), Optional.empty());
    }

    /** As {@link #of}, and every answer must come within {@code answerBound}. */
    static Readiness answeringWithin(int port, Duration answerBound) {
        return new Readiness(readinessUri(port), Optional.of(answerBound));
    }

    private static URI readinessUri(int port) {
        return URI.create("http://127.0.0.1:" + port + "/health/readiness");
    }

    /**
     * The configuration of a plaintext test server (HTTP on a free port, gRPC on any, a data
     * directory of its own) on {@code database}, reached through {@code jdbcUrl}.
     */
    static Map<String, Object> serverProperties(TestDatabase database, String jdbcUrl) throws Exception {
        Map<String, Object> p = new HashMap<>(database.properties("common"));
        p.put("meshid.database.url", jdbcUrl);
        p.put("datasources.default.url", jdbcUrl);
        p.put("meshid.data-dir", Files.createTempDirectory("meshid-readiness").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.put("meshid.tls.mode", "PLAINTEXT");
        return p;
    }

    /** Whether the body names {@code dependency} with {@code status} ({@code UP} or {@code DOWN}). */
    static boolean shows(HttpResponse<String> r, String dependency, String status) {
        return r.body().matches("(?s).*\"" + dependency + "\":\\{[^}]*\"status\":\"" + status + "\".*");
    }

    /** Polls until {@code done} holds or {@code bound} passed; returns the last answer. */
    HttpResponse<String> await(Predicate<HttpResponse<String>> done, Duration bound) throws Exception {
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

    /** Three answers, not held to the answer bound: the first answers of a fresh JVM are slow whatever the dependencies do. */
    void warmUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** One answer of readiness. */
    HttpResponse<String> get() throws Exception {
        return get(uri);
    }

    /** One answer of another path of the same server (metrics), under the same answer bound. */
    HttpResponse<String> get(URI other) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(other).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        answerBound.ifPresent(b -> assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answer time of " + other).isLessThan(b));
        return r;
    }
}
