package io.meshid.common.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.CuttableProxy;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's driver against the machine's PostgreSQL behind a proxy the test cuts: a database
 * that went away and came back is reached by the attempt already waiting for it, without a
 * failure; what retrying cannot mend fails at once.
 */
@RequiresPostgres
@Timeout(30)
class ReconnectingDriverTest {

    @Test
    void anAttemptMadeWhileTheDatabaseIsGone_succeedsWhenItReturns_insteadOfFailing() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            ReconnectingDriver driver = new ReconnectingDriver();
            String url = viaProxy(proxy);
            try (Connection first = driver.connect(url, postgresUser())) {
                assertThat(first.isValid(1)).isTrue();
            }

            proxy.cut();
            CompletableFuture<Connection> waiting = CompletableFuture.supplyAsync(() -> connect(driver, url));
            Thread.sleep(1_000);
            assertThat(waiting).as("still retrying while the database is gone").isNotDone();

            proxy.restore();
            try (Connection back = waiting.get(10, TimeUnit.SECONDS)) {
                assertThat(back.isValid(1)).isTrue();
            }
        }
    }

    @Test
    void theFirstConnectionToAUrl_failsAtOnce_soThatAServerWithoutItsDatabaseStopsAtStartUp() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            proxy.cut();
            ReconnectingDriver driver = new ReconnectingDriver();
            assertThatThrownBy(() -> driver.connect(viaProxy(proxy), postgresUser()))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
        }
    }

    @Test
    void aRefusalThatRetryingCannotMend_failsAtOnce_evenOnAUrlReachedBefore() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            ReconnectingDriver driver = new ReconnectingDriver();
            String url = viaProxy(proxy);
            driver.connect(url, postgresUser()).close();

            Properties nobody = new Properties();
            nobody.setProperty("user", "no_such_role_" + System.nanoTime());
            assertThatThrownBy(() -> driver.connect(url, nobody))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(ReconnectingDriver.unreachable((SQLException) e)).isFalse());
        }
    }

    /**
     * "After a long outage" without waiting for one: the driver's clock jumps 10 minutes at every
     * reading, so the attempt believes the database has been gone for half an hour and more (an earlier version gave
     * up after 5 minutes, and Hikari's 5 s back-off then decided). Promise: it still retries, and
     * has its connection within 2 s of the database's return.
     */
    @Test
    void afterAnOutageOfHalfAnHour_anAttemptStillRetries_andConnectsWithinTwoSecondsOfTheReturn() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            AtomicLong clock = new AtomicLong();
            ReconnectingDriver driver = new ReconnectingDriver(() -> clock.addAndGet(Duration.ofMinutes(10).toNanos()));
            String url = viaProxy(proxy);
            driver.connect(url, postgresUser()).close();

            proxy.cut();
            CompletableFuture<Connection> waiting = CompletableFuture.supplyAsync(() -> connect(driver, url));
            Thread.sleep(1_000);
            assertThat(waiting).as("still retrying after what looks like half an hour").isNotDone();
            assertThat(clock.get()).as("the outage the attempt saw").isGreaterThan(Duration.ofMinutes(30).toNanos());

            proxy.restore();
            long back = System.nanoTime();
            try (Connection c = waiting.get(2, TimeUnit.SECONDS)) {
                assertThat(c.isValid(1)).isTrue();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - back)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void anAttemptForAPoolThatWasClosed_stopsRetrying_evenWhileTheDatabaseIsGone() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            ReconnectingDriver driver = new ReconnectingDriver();
            String url = viaProxy(proxy);
            String pool = "test-" + System.nanoTime();
            AtomicBoolean open = new AtomicBoolean(true);
            ReconnectingDriver.watch(pool, open::get);
            Properties marked = postgresUser();
            marked.setProperty(ReconnectingDriver.POOL_PROPERTY, pool);
            driver.connect(url, marked).close();

            proxy.cut();
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    driver.connect(url, marked).close();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(500);
            assertThat(outcome).as("retrying while its pool is open").isNotDone();
            open.set(false);
            assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void anInterruptedAttempt_stopsRetrying() throws Exception {
        try (CuttableProxy proxy = proxyToPostgres()) {
            ReconnectingDriver driver = new ReconnectingDriver();
            String url = viaProxy(proxy);
            driver.connect(url, postgresUser()).close();

            proxy.cut();
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread attempt = Thread.ofPlatform().start(() -> {
                try {
                    driver.connect(url, postgresUser()).close();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(500);
            attempt.interrupt();
            assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aUrlNoDriverKnows_isNotAccepted_andAMissingUrlSaysWhatWasExpected() throws Exception {
        ReconnectingDriver driver = new ReconnectingDriver();
        assertThat(driver.acceptsURL("jdbc:nosuchdb://x")).isFalse();
        assertThat(driver.connect("jdbc:nosuchdb://x", new Properties())).isNull();
        assertThat(driver.acceptsURL("jdbc:postgresql://127.0.0.1:5432/test")).isTrue();
        assertThatThrownBy(() -> driver.acceptsURL(null)).hasMessageContaining("expected e.g. jdbc:postgresql://");
    }

    private static Connection connect(ReconnectingDriver driver, String url) {
        try {
            return driver.connect(url, postgresUser());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CuttableProxy proxyToPostgres() throws Exception {
        return CuttableProxy.toPostgres();
    }

    private static String viaProxy(CuttableProxy proxy) {
        return proxy.route(ExternalServices.postgresUrl());
    }

    private static Properties postgresUser() {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return p;
    }
}
