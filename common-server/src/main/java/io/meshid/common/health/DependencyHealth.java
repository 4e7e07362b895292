package io.meshid.common.health;

import io.meshid.common.store.SharedStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.annotation.PreDestroy;
import io.micronaut.context.annotation.Context;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.reactivestreams.Publisher;

/**
 * Readiness as "can this server serve": the state of its dependencies (the database; Redis when
 * {@code meshid.redis.uri} is set), each checked in the background every
 * {@code meshid.health.probe-interval} (default {@code PT0.5S}), and the server's own
 * {@link ServingCheck}s (identity-server's revocation view), so that {@code /health/readiness}
 * answers at once whatever the dependencies do. A dependency a server cannot serve without
 * ({@code meshid.health.required}, set per server) makes it {@code DOWN} (503) while it does not
 * answer; any other that does not answer makes it {@code DEGRADED}, still ready (200), since the
 * server keeps serving from what it holds. The body names each dependency and its state, never a
 * host or an error text (those go to the log); {@code meshid.dependency.up{dependency=...}} is 1
 * or 0. Replaces Micronaut's own JDBC indicator, which made a database outage a 503 after the
 * pool's 5 s connection timeout. Created with the context, so that the probes run from the start
 * and a {@code meshid.health.required} name no one checks stops start-up. Thread-safe.
 */
@Context
final class DependencyHealth implements HealthIndicator, AutoCloseable {

    static final String NAME = "dependencies";
    static final String REQUIRED = "meshid.health.required";
    static final String PROBE_INTERVAL = "meshid.health.probe-interval";
    static final HealthStatus DEGRADED = new HealthStatus("DEGRADED", "a dependency does not answer; serving from what is held",
            true, 500);
    private static final Duration STALE = Duration.ofSeconds(1);
    private static final Set<String> KNOWN = Set.of("database", "redis");

    private final List<DependencyProbe> probes = new ArrayList<>();
    private final Set<String> required;

    DependencyHealth(Optional<DataSource> dataSource, SharedStore store, List<ServingCheck> servingChecks,
            @Nullable MeterRegistry meters, @Value("${" + REQUIRED + ":}") List<String> required,
            @Value("${" + PROBE_INTERVAL + ":PT0.5S}") Duration interval) {
        required = required.stream().map(String::strip).filter(r -> !r.isEmpty()).toList();
        Set<String> known = new java.util.TreeSet<>(KNOWN);
        servingChecks.forEach(c -> known.add(c.name()));
        for (String r : required) {
            if (!known.contains(r)) {
                throw new ConfigurationException(REQUIRED + ": " + r + " (expected: one of " + known + ")");
            }
        }
        if (interval.compareTo(Duration.ofMillis(50)) < 0 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new ConfigurationException(PROBE_INTERVAL + ": " + interval + " (expected: between PT0.05S and PT10S)");
        }
        this.required = Set.copyOf(required);
        dataSource.map(DelegatingDataSource::unwrapDataSource).ifPresent(ds -> probes.add(new DependencyProbe("database", () -> {
            try (Connection c = ds.getConnection()) {
                if (!c.isValid(1)) {
                    throw new IllegalStateException("connection not valid");
                }
            }
        }, interval, STALE)));
        if ("redis".equals(store.kind())) {
            probes.add(new DependencyProbe("redis", store::ping, interval, STALE));
        }
        for (ServingCheck c : servingChecks) {
            probes.add(new DependencyProbe(c.name(), c::check, interval, STALE));
        }
        if (meters != null) {
            for (DependencyProbe p : probes) {
                Gauge.builder("meshid.dependency.up", p, probe -> probe.up() ? 1 : 0).tag("dependency", p.name())
                        .description("Whether the dependency answered its last health check (1) or not (0)").register(meters);
            }
        }
    }

    @Override
    public Publisher<HealthResult> getResult() {
        HealthStatus status = HealthStatus.UP;
        Map<String, Object> details = new LinkedHashMap<>();
        for (DependencyProbe p : probes) {
            boolean up = p.up();
            details.put(p.name(), Map.of("status", up ? "UP" : "DOWN", "required", required.contains(p.name()),
                    "since", p.changedAt().toString()));
            if (!up) {
                status = required.contains(p.name()) ? HealthStatus.DOWN : status == HealthStatus.DOWN ? status : DEGRADED;
            }
        }
        return Publishers.just(HealthResult.builder(NAME, status).details(details).build());
    }

    /** The names of the dependencies that do not answer now. */
    List<String> down() {
        return probes.stream().filter(p -> !p.up()).map(DependencyProbe::name).toList();
    }

    @PreDestroy
    @Override
    public void close() {
        probes.forEach(DependencyProbe::close);
    }
}
