package io.meshid.common.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * The JDBC driver the servers' pools connect through: it hands every call to the real driver for
 * the URL (PostgreSQL, H2), and once a URL has been reached, a connection attempt that fails
 * because the database cannot be reached is retried every 100–250 ms (jittered) for up to
 * {@link #RETRY_WINDOW}, instead of failing at once.
 *
 * <p>Why: Hikari creates connections on one thread and, after a failed attempt, sleeps with a
 * back-off that doubles from 10 ms to 5 s and cannot be configured. After an outage of a few
 * seconds that sleep, not the database, decided when a server served again (up to 5 s). With
 * this driver the pool's creator thread stays in {@code connect} while the database is away and
 * gets its connection within one retry interval of the database's return; Hikari's back-off only
 * starts after a whole window without the database. Failures that retrying cannot mend (bad
 * credentials, an unknown database, anything outside SQLSTATE classes 08 and 57P03) fail at once,
 * and so does the very first connection to a URL, so that a server started against a database
 * that is not there stops at start-up as before. An interrupted caller stops retrying.
 *
 * <p>It is not registered with {@link DriverManager}: only a pool that names it
 * ({@code datasources.*.driver-class-name}) uses it, and Hikari instantiates it.
 */
public final class ReconnectingDriver implements Driver {

    /** How long one connection attempt keeps retrying before it lets the pool's back-off take over. */
    public static final Duration RETRY_WINDOW = Duration.ofMinutes(5);

    private static final long MIN_PAUSE_MILLIS = 100;
    private static final long MAX_PAUSE_MILLIS = 250;

    /** URLs reached at least once in this JVM: only those are retried. */
    private static final Set<String> REACHED = ConcurrentHashMap.newKeySet();

    private final Duration window;

    public ReconnectingDriver() {
        this(RETRY_WINDOW);
    }

    /** For tests: a shorter window. */
    ReconnectingDriver(Duration window) {
        this.window = window;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        Driver driver = delegateFor(url);
        if (driver == null) {
            return null;
        }
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            try {
                Connection c = driver.connect(url, info);
                if (c != null) {
                    REACHED.add(url);
                }
                return c;
            } catch (SQLException e) {
                if (!REACHED.contains(url) || !unreachable(e) || System.nanoTime() >= deadline) {
                    throw e;
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
