package io.meshid.common.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The JDBC driver the servers' pools connect through: it hands every call to the real driver for
 * the URL (PostgreSQL, H2), and once a URL has been reached, a connection attempt that fails
 * because the database cannot be reached is retried every 100–250 ms (jittered), however long the
 * database stays away, instead of failing at once. Each try is bounded by the real driver's own
 * timeouts (the pool's login timeout, {@code connectTimeout}).
 *
 * <p>Why: Hikari creates connections on one thread and, after a failed attempt, sleeps with a
 * back-off that doubles from 10 ms to 5 s and cannot be configured. After an outage of a few
 * seconds that sleep, not the database, decided when a server served again (up to 5 s). With
 * this driver the pool's creator thread stays in {@code connect} while the database is away and
 * gets its connection within one retry interval of the database's return, whether the outage
 * lasted seconds or hours (an earlier version gave up after 5 minutes, and Hikari's 5 s back-off
 * then decided again). While it retries it logs one WARN a minute (how long the database has
 * been unreachable, that it keeps trying).
 *
 * <p>What ends the retrying: the database's return; an interrupt of the calling thread; the close
 * of the pool the attempt is for, seen at the next try (Hikari's shutdown waits for its creator
 * thread but never interrupts it, so an attempt would otherwise outlive its pool): {@link PoolSetup}
 * marks each pool's driver properties with {@link #POOL_PROPERTY}, and {@link DatabaseRequirements}
 * tells this driver whether that pool is still open ({@link #watch}). Failures that retrying cannot
 * mend (bad credentials, an unknown database, anything outside SQLSTATE classes 08 and 57P03) fail
 * at once, and so does the very first connection to a URL, so that a server started against a
 * database that is not there stops at start-up as before.
 *
 * <p>It is not registered with {@link DriverManager}: only a pool that names it
 * ({@code datasources.*.driver-class-name}) uses it, and Hikari instantiates it.
 */
public final class ReconnectingDriver implements Driver {

    /** How often a retrying attempt says in the log that the database is still unreachable. */
    static final Duration WARN_EVERY = Duration.ofMinutes(1);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReconnectingDriver.class);
    private static final long MIN_PAUSE_MILLIS = 100;
    private static final long MAX_PAUSE_MILLIS = 250;

    /**
     * The driver property naming the pool an attempt is for (removed before the real driver sees
     * the properties); an attempt of a pool that {@link #watch} says is closed stops retrying.
     */
    public static final String POOL_PROPERTY = "meshid.pool";

    /** Whether each watched pool is still open, by {@link #POOL_PROPERTY}. */
    private static final Map<String, BooleanSupplier> POOLS = new ConcurrentHashMap<>();

    /** URLs reached at least once in this JVM: only those are retried. */
    private static final Set<String> REACHED = ConcurrentHashMap.newKeySet();

    private final LongSupplier nanoClock;

    public ReconnectingDriver() {
        this(System::nanoTime);
    }

    /** For tests: a clock that can make an outage look as long as the test needs. */
    ReconnectingDriver(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        Driver driver = delegateFor(url);
        if (driver == null) {
            return null;
        }
        String pool = info == null ? null : info.getProperty(POOL_PROPERTY);
        Properties forDriver = info;
        if (pool != null) {
            forDriver = new Properties();
            forDriver.putAll(info);
            forDriver.remove(POOL_PROPERTY);
        }
        long since = nanoClock.getAsLong();
        long warned = since;
        while (true) {
            try {
                Connection c = driver.connect(url, forDriver);
                if (c != null) {
                    REACHED.add(url);
                }
                return c;
            } catch (SQLException e) {
                if (!REACHED.contains(url) || !unreachable(e) || closed(pool)) {
                    throw e;
                }
                long now = nanoClock.getAsLong();
                if (now - warned >= WARN_EVERY.toNanos()) {
                    warned = now;
                    LOG.warn("Database at {} unreachable for {} s ({}); still retrying every 100-250 ms (docs/operations.md, "
                            + "PostgreSQL)", masked(url), Duration.ofNanos(now - since).toSeconds(), e.getMessage());
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(MIN_PAUSE_MILLIS, MAX_PAUSE_MILLIS + 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Tells attempts marked with {@code pool} (the value of {@link #POOL_PROPERTY}) whether their
     * pool is open; once {@code open} says false, they stop retrying.
     */
    public static void watch(String pool, BooleanSupplier open) {
        POOLS.put(pool, open);
    }

    private static boolean closed(String pool) {
        if (pool == null) {
            return false;
        }
        BooleanSupplier open = POOLS.get(pool);
        return open != null && !open.getAsBoolean();
    }

    /** {@code url} without its query string, which may carry a password. */
    static String masked(String url) {
        int q = url.indexOf('?');
        int semicolon = url.indexOf(';');
        int cut = q < 0 ? semicolon : semicolon < 0 ? q : Math.min(q, semicolon);
        return cut < 0 ? url : url.substring(0, cut);
    }

    /**
     * Whether {@code e} says the database could not be reached or is not accepting connections
     * yet: SQLSTATE class 08 (connection exception) or 57P03 (cannot connect now: starting up or
     * in recovery).
     */
    static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.equals("57P03"));
    }

    @Override
    public boolean acceptsURL(String url) throws SQLException {
        return delegateFor(url) != null;
    }

    private static Driver delegateFor(String url) throws SQLException {
        if (url == null) {
            throw new SQLException("no JDBC URL given: expected e.g. jdbc:postgresql://host:5432/db", "08001");
        }
        try {
            return DriverManager.getDriver(url);
        } catch (SQLException noDriver) {
            return null;
        }
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        Driver driver = delegateFor(url);
        return driver == null ? new DriverPropertyInfo[0] : driver.getPropertyInfo(url, info);
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("ReconnectingDriver logs through SLF4J, not java.util.logging");
    }
}
