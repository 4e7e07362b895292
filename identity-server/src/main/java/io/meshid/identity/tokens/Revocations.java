package io.meshid.identity.tokens;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.health.ServingCheck;
import io.meshid.common.random.ThreadRandom;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revoked token ids of every trust domain, as a view in this replica's memory, so that a check
 * costs a map lookup and no round trip (the token calls can run on the event loop, Redis or not).
 *
 * <p>The record of truth is the database ({@code id_revoked_token}): {@link #revoke} writes there
 * first, then adds to this replica's view, then announces the revocation on the shared store's
 * channel {@value #CHANNEL}, and only then returns. The view is read from the database at start-up,
 * again whenever the channel's subscription is (re)made or may have lost a message (a Redis
 * reconnect, a restart, a failover: {@link SharedStore#subscribe(String, java.util.function.Consumer,
 * Runnable)}), and every {@code meshid.identity.revocation.reload-interval} as a fallback. Nothing
 * about revocations is kept in Redis, so a Redis that loses its data un-revokes nothing.
 *
 * <p>Freshness, with a shared store that other replicas use (Redis): every
 * {@code meshid.identity.revocation.heartbeat-interval} this replica publishes a heartbeat on the
 * same channel and notes when its own comes back. Redis delivers a subscription's messages in the
 * order it executed the publishes, so a heartbeat sent at time s and received proves the view holds
 * every revocation acknowledged (by any replica) before s. A check answers from the view only when
 * the view was re-read from the database since the current subscription began and the last own
 * heartbeat received was sent less than {@code meshid.identity.revocation.max-staleness} (default
 * 1 s) ago; otherwise it throws {@link MeshidException.Unavailable}: a replica that cannot prove its
 * view current refuses rather than trusts. So a revocation through one replica is refused by every
 * other within the staleness bound. With the in-process store (one replica) the view is this
 * process's own and always current. Readiness reports the same proof ({@link ServingCheck}
 * {@value #CHECK_NAME}, required in identity-server: not ready while token checks would refuse).
 * Thread-safe.
 */
@Context
public final class Revocations implements AutoCloseable, ServingCheck {

    /** Longest {@code jti} accepted, as the wire's limit. */
    public static final int MAX_JTI = 128;
    /** The readiness check's name. */
    public static final String CHECK_NAME = "revocation-view";
    /** The shared store channel of revocations ({@code r:<keep-until ms>:<domain>:<jti>}) and heartbeats. */
    static final String CHANNEL = "meshid:revoked:jti";

    static final String MAX_STALENESS = "meshid.identity.revocation.max-staleness";
    static final String HEARTBEAT = "meshid.identity.revocation.heartbeat-interval";
    static final String RELOAD = "meshid.identity.revocation.reload-interval";

    private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);
    private static final Duration START_WAIT = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final Clock clock;
    private final SharedStore store;
    /** Whether other replicas share the store, so that the view must prove itself fresh. */
    private final boolean shared;
    private final long maxStalenessNanos;
    private final String replica = HexFormat.of().formatHex(ThreadRandom.bytes(8));
    /** "domain\njti" to keep-until (epoch ms). */
    private final ConcurrentHashMap<String, Long> view = new ConcurrentHashMap<>();
    /** Incremented by every resync of the subscription; the view is current only for a loaded epoch. */
    private final AtomicLong epoch = new AtomicLong();
    private volatile long loadedEpoch = -1;
    /** Send time (System.nanoTime) of the last own heartbeat received in the current epoch. */
    private volatile long confirmedSentAt;
    private volatile boolean confirmed;
    private volatile Instant nextPrune;
    private final ScheduledExecutorService background;
    private final SharedStore.Subscription subscription;

    Revocations(SharedStore store, DataSource dataSource, Clock clock,
            @Value("${" + MAX_STALENESS + ":PT1S}") Duration maxStaleness,
            @Value("${" + HEARTBEAT + ":PT0.2S}") Duration heartbeat,
            @Value("${" + RELOAD + ":PT10S}") Duration reload) {
        check(MAX_STALENESS, maxStaleness, Duration.ofMillis(100), Duration.ofSeconds(30));
        check(HEARTBEAT, heartbeat, Duration.ofMillis(10), maxStaleness.dividedBy(2));
        check(RELOAD, reload, Duration.ofMillis(100), Duration.ofHours(1));
        this.store = store;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.clock = clock;
        this.shared = !"in-process".equals(store.kind());
        this.maxStalenessNanos = maxStaleness.toNanos();
        Instant now = clock.instant();
        prune(now);
        int loaded = load(now);
        if (loaded > 0) {
            LOG.info("Read {} revoked token ids from the database", loaded);
        }
        this.background = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("meshid-token-revocations").factory());
        if (shared) {
            this.subscription = store.subscribe(CHANNEL, this::onMessage, this::onResync);
            background.scheduleWithFixedDelay(this::heartbeat, 0, heartbeat.toNanos(), TimeUnit.NANOSECONDS);
            awaitCurrent();
        } else {
            this.subscription = () -> { };
            loadedEpoch = 0;
        }
        background.scheduleWithFixedDelay(this::reloadQuietly, reload.toMillis(), reload.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void check(String key, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigurationException(key + ": " + value + " (expected: between " + min + " and " + max + ")");
        }
    }

    /**
     * Whether {@code jti} of {@code domain} is revoked, from memory.
     *
     * @throws MeshidException.Unavailable when this replica cannot prove its view current
     */
    public boolean isRevoked(TrustDomain domain, String jti) {
        if (!current()) {
            throw new MeshidException.Unavailable("revocation view: not confirmed current from the shared store ("
                    + store.kind() + ") within " + Duration.ofNanos(maxStalenessNanos) + " (the token's revocation state is "
                    + "unknown; retry)", null);
        }
        Long until = view.get(key(domain.name(), jti));
        return until != null && until > clock.millis();
    }

    /** Whether this replica can prove its view current now (always, without replicas sharing the store). */
    private boolean current() {
        return !shared || (loadedEpoch == epoch.get() && confirmed && System.nanoTime() - confirmedSentAt <= maxStalenessNanos);
    }

    @Override
    public String name() {
        return CHECK_NAME;
    }

    /** Readiness: throws while {@link #isRevoked} would refuse for want of a proven-current view. */
    @Override
    public void check() {
        if (!current()) {
            throw new IllegalStateException("revocation view not confirmed current within " + Duration.ofNanos(maxStalenessNanos));
        }
    }

    /**
     * Revokes {@code jti} of {@code domain} for {@code ttl}: in the database, in this replica's
     * view, and announced to the others, before it returns.
     *
     * @throws MeshidException.Unavailable when the database cannot record it (nothing changed), or
     *     when the announcement fails (recorded, but not yet seen by the other replicas: retry)
     */
    public void revoke(TrustDomain domain, String jti, Duration ttl) {
        Instant now = clock.instant();
        Instant keepUntil = now.plus(ttl);
        persist(domain, jti, keepUntil, now);
        if (now.isAfter(nextPrune)) {
            prune(now);
        }
        add(domain.name(), jti, keepUntil.toEpochMilli());
        if (shared) {
            try {
                store.publish(CHANNEL, "r:" + keepUntil.toEpochMilli() + ":" + domain.name() + ":" + jti);
            } catch (RuntimeException e) {
                throw new MeshidException.Unavailable("revocation store: recorded, but the other replicas could not be told ("
                        + e.getMessage() + "); they read it within " + RELOAD + " (retry to announce it now)", e);
            }
        }
    }

    private void add(String domain, String jti, long keepUntilMillis) {
        view.merge(key(domain, jti), keepUntilMillis, Math::max);
    }

    private void onMessage(String message) {
        if (message.startsWith("h:")) {
            int colon = message.indexOf(':', 2);
            if (colon > 0 && message.regionMatches(2, replica, 0, replica.length()) && colon == 2 + replica.length()) {
                try {
                    confirmedSentAt = Long.parseLong(message.substring(colon + 1));
                    confirmed = true;
                } catch (NumberFormatException e) {
                    LOG.debug("ignored a malformed heartbeat on {}", CHANNEL);
                }
            }
            return;
        }
        String[] parts = message.split(":", 4);
        if (parts.length != 4 || !parts[0].equals("r") || parts[3].isEmpty() || parts[3].length() > MAX_JTI) {
            LOG.warn("ignored a malformed message on {} ({} characters)", CHANNEL, message.length());
            return;
        }
        try {
            add(TrustDomain.of(parts[2]).name(), parts[3], Long.parseLong(parts[1]));
        } catch (IllegalArgumentException e) {
            LOG.warn("ignored a malformed message on {}: {}", CHANNEL, e.getMessage());
        }
    }

    /** The subscription began again, or lost a message: the view is not current until re-read. */
    private void onResync() {
        long e = epoch.incrementAndGet();
        confirmed = false;
        try {
            background.execute(() -> reloadFor(e));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.debug("closed; no reload");
        }
    }

    private void reloadFor(long e) {
        if (epoch.get() != e) {
            return;
        }
        try {
            load(clock.instant());
            loadedEpoch = e;
            LOG.debug("revocation view re-read from the database for subscription epoch {}", e);
        } catch (RuntimeException failed) {
            LOG.warn("revocation view: the database did not answer ({}); token checks are refused until it does",
                    failed.getMessage());
            background.schedule(() -> reloadFor(e), 200, TimeUnit.MILLISECONDS);
        }
    }

    private void heartbeat() {
        try {
            store.publish(CHANNEL, "h:" + replica + ":" + System.nanoTime());
        } catch (RuntimeException e) {
            LOG.debug("revocation heartbeat not sent: {}", e.getMessage());
        }
    }

    private void reloadQuietly() {
        try {
            Instant now = clock.instant();
            load(now);
            view.values().removeIf(until -> until <= now.toEpochMilli());
        } catch (RuntimeException e) {
            LOG.warn("revocation view: periodic reload failed: {}", e.getMessage());
        }
    }

    private void awaitCurrent() {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (loadedEpoch == epoch.get() && confirmed) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("revocation view: not confirmed current after {}; token checks are refused until it is", START_WAIT);
    }

    /** Writes the revocation, keeping the later {@code keepUntil} of two. */
    private void persist(TrustDomain domain, String jti, Instant keepUntil, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE id_revoked_token SET keep_until = ? WHERE trust_domain = ? "
                    + "AND jti = ? AND keep_until < ?")) {
                ps.setTimestamp(1, Timestamp.from(keepUntil));
                ps.setString(2, domain.name());
                ps.setString(3, jti);
                ps.setTimestamp(4, Timestamp.from(keepUntil));
                if (ps.executeUpdate() == 1) {
                    return;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO id_revoked_token (trust_domain, jti, keep_until, revoked_at) "
                    + "VALUES (?, ?, ?, ?)")) {
                ps.setString(1, domain.name());
                ps.setString(2, jti);
                ps.setTimestamp(3, Timestamp.from(keepUntil));
                ps.setTimestamp(4, Timestamp.from(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
                // Revoked before, until at least as late.
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("revocation store: the database did not record it (nothing was revoked; retry)", e);
        }
    }

    /** Adds every unexpired row to the view; returns how many there were. */
    private int load(Instant now) {
        int loaded = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT trust_domain, jti, keep_until FROM id_revoked_token WHERE keep_until > ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    add(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant().toEpochMilli());
                    loaded++;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the revoked token ids (id_revoked_token): " + e.getMessage(), e);
        }
        return loaded;
    }

    private void prune(Instant now) {
        nextPrune = now.plus(PRUNE_EVERY);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM id_revoked_token WHERE keep_until <= ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("could not delete expired revoked token ids: {}", e.getSQLState());
        }
    }

    private static String key(String domain, String jti) {
        return domain + "\n" + jti;
    }

    @PreDestroy
    @Override
    public void close() {
        background.shutdownNow();
        try {
            subscription.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the revocation subscription failed", e);
        }
    }
}
