package io.meshid.common.revocation;

import io.meshid.common.store.SharedStore;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's {@link RevokedSerials} current, in three ways:
 *
 * <ul>
 *   <li>the shared store's channel {@value #CHANNEL}: whoever revokes announces it there
 *       ({@link #announce}), and every subscribed process adds it at once (with Redis: every
 *       replica of every server; in-process: this process only);
 *   <li>every {@link RevocationSource} bean (durable: the CA's table, or the CA's bundle CRLs),
 *       read before start-up completes and then every {@code meshid.revocation.reload-interval}
 *       (default {@code PT0.5S}): the bound when a notification is missed or there is no Redis;
 *   <li>{@link #announce} adds to this process's view before it publishes.
 * </ul>
 *
 * Created with the application context ({@link Context}), so the first load happens before the
 * gRPC server takes calls. Thread-safe.
 */
@Context
public final class RevocationFeed implements AutoCloseable {

    /** The shared store channel that carries {@link RevokedSerial#toMessage()} messages. */
    public static final String CHANNEL = "meshid:revoked:x509";
    static final String RELOAD_INTERVAL = "meshid.revocation.reload-interval";

    private static final Logger LOG = LoggerFactory.getLogger(RevocationFeed.class);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    private static final Duration MAX_INTERVAL = Duration.ofMinutes(1);

    private final RevokedSerials view;
    private final SharedStore store;
    private final List<RevocationSource> sources;
    private final Clock clock;
    private final SharedStore.Subscription subscription;
    private final ScheduledExecutorService reloader;

    RevocationFeed(RevokedSerials view, SharedStore store, List<RevocationSource> sources, Optional<Clock> clock,
            @Value("${" + RELOAD_INTERVAL + ":PT0.5S}") Duration interval) {
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new ConfigurationException(RELOAD_INTERVAL + ": " + interval + " (expected: between PT0.05S and PT1M)");
        }
        this.view = view;
        this.store = store;
        this.sources = List.copyOf(sources);
        this.clock = clock.orElseGet(Clock::systemUTC);
        this.subscription = store.subscribe(CHANNEL, this::onMessage);
        if (!this.sources.isEmpty()) {
            view.awaitFirstLoad("the revoked certificates were not read yet from " + describe());
            reload();
        }
        this.reloader = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("meshid-revocation-reload")
                .factory());
        long millis = interval.toMillis();
        reloader.scheduleWithFixedDelay(this::reloadQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Adds {@code revoked} to this process's view, then announces it to every subscriber of the
     * shared store. Call it only once the revocation is durable. A failed announcement is logged:
     * the other processes still read it from their durable source within the reload interval.
     */
    public void announce(RevokedSerial revoked) {
        view.add(revoked);
        try {
            store.publish(CHANNEL, revoked.toMessage());
        } catch (RuntimeException e) {
            LOG.warn("could not announce the revocation of serial {} of {} on the shared store ({}); other processes "
                    + "read it at their next reload", revoked.serialHex(), revoked.trustDomain(), e.toString());
        }
    }

    /** Reads every source now; the view becomes loaded once all of them have answered. */
    void reload() {
        boolean all = true;
        for (RevocationSource source : sources) {
            try {
                view.addAll(source.revoked(clock.instant()));
            } catch (RuntimeException e) {
                all = false;
                if (!view.loaded()) {
                    view.awaitFirstLoad("the revoked certificates could not be read yet from " + source.describe() + ": "
                            + e.getMessage());
                }
                LOG.warn("revoked certificates: {} did not answer: {}", source.describe(), e.toString());
            }
        }
        if (all) {
            view.loadedNow();
        }
        view.prune(clock.instant());
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("revoked certificates: reload failed: {}", e.toString());
        }
    }

    private void onMessage(String message) {
        try {
            view.add(RevokedSerial.parse(message));
        } catch (IllegalArgumentException e) {
            LOG.warn("ignored a malformed message on {}: {}", CHANNEL, e.getMessage());
        }
    }

    private String describe() {
        return String.join(", ", sources.stream().map(RevocationSource::describe).toList());
    }

    @PreDestroy
    @Override
    public void close() {
        reloader.shutdownNow();
        try {
            subscription.close();
        } catch (RuntimeException e) {
            LOG.debug("revocation channel subscription: {}", e.toString());
        }
    }
}
