package io.meshid.common.health;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last known state of one dependency, kept current by a check run on a thread of its own every
 * interval. {@link #up()} never waits: it answers from the last check, and a check that has been
 * running for longer than {@code stale} (a database that takes connections but never answers)
 * counts as down. Transitions are logged once each, with the reason for a failure. Thread-safe.
 */
final class DependencyProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DependencyProbe.class);

    /** A check: returns when the dependency answered, throws when it did not. */
    @FunctionalInterface
    interface Check {
        void run() throws Exception;
    }

    private final String name;
    private final Check check;
    private final long staleNanos;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService runner;
    private volatile boolean lastUp = true;
    private volatile long runningSince = -1;
    private volatile Instant changedAt = Instant.now();
    private volatile String reason = "";

    DependencyProbe(String name, Check check, Duration interval, Duration stale) {
        this.name = name;
        this.check = check;
        this.staleNanos = stale.toNanos();
        this.runner = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("meshid-probe-" + name).factory());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("meshid-probe-" + name + "-timer").factory());
        startProbe();
        scheduler.scheduleWithFixedDelay(this::startProbe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    String name() {
        return name;
    }

    /** Whether the dependency answered its last check, and the check now running (if any) is not overdue. */
    boolean up() {
        long since = runningSince;
        return lastUp && (since < 0 || System.nanoTime() - since < staleNanos);
    }

    /** Why it is down (empty when up). */
    String reason() {
        if (up()) {
            return "";
        }
        return lastUp ? "no answer within " + Duration.ofNanos(staleNanos) : reason;
    }

    Instant changedAt() {
        return changedAt;
    }

    private void startProbe() {
        if (runningSince < 0) {
            runningSince = System.nanoTime();
            runner.execute(this::probeOnce);
        }
    }

    private void probeOnce() {
        boolean ok;
        String why = "";
        try {
            check.run();
            ok = true;
        } catch (Exception e) {
            ok = false;
            why = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            runningSince = -1;
        }
        if (ok != lastUp) {
            changedAt = Instant.now();
            if (ok) {
                LOG.info("dependency {} answers again", name);
            } else {
                LOG.warn("dependency {} does not answer: {}", name, why);
            }
        }
        reason = why;
        lastUp = ok;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        runner.shutdownNow();
    }
}
