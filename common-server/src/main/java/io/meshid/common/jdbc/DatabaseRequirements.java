package io.meshid.common.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.lang.ref.WeakReference;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is checked of the database once its pool is built, beside {@link PoolSetup}: a PostgreSQL
 * whose {@code max_connections}, less the slots reserved for superusers, is smaller than this one
 * server's pool cannot give the pool its connections (and docs/operations.md asks for the pool
 * size × every server and replica, plus admin sessions): one WARN line says so and what to set.
 * Nothing here stops start-up; a check that cannot run is a WARN too. It also tells
 * {@link ReconnectingDriver} whether the pool is still open ({@link ReconnectingDriver#watch}).
 */
@Singleton
final class DatabaseRequirements implements BeanCreatedEventListener<DataSource> {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseRequirements.class);

    @Override
    public DataSource onCreated(BeanCreatedEvent<DataSource> event) {
        DataSource dataSource = event.getBean();
        if (DelegatingDataSource.unwrapDataSource(dataSource) instanceof HikariDataSource hikari) {
            String pool = hikari.getDataSourceProperties().getProperty(ReconnectingDriver.POOL_PROPERTY);
            if (pool != null) {
                WeakReference<HikariDataSource> ref = new WeakReference<>(hikari);
                ReconnectingDriver.watch(pool, () -> {
                    HikariDataSource d = ref.get();
                    return d != null && !d.isClosed();
                });
            }
            String url = hikari.getJdbcUrl();
            if (url != null && url.startsWith("jdbc:postgresql:")) {
                check(hikari, hikari.getMaximumPoolSize(), ReconnectingDriver.masked(url)).ifPresent(LOG::warn);
            }
        }
        return dataSource;
    }

    /** Reads the server's limits through {@code dataSource}; the warning, if any (also when it cannot read them). */
    static Optional<String> check(DataSource dataSource, int poolSize, String maskedUrl) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('max_connections')::int, "
                        + "current_setting('superuser_reserved_connections')::int, "
                        + "COALESCE(current_setting('reserved_connections', true), '0')::int")) {
            rs.next();
            return poolWarning(maskedUrl, poolSize, rs.getInt(1), rs.getInt(2) + rs.getInt(3));
        } catch (SQLException e) {
            return Optional.of("Could not read max_connections of PostgreSQL at " + maskedUrl + " (" + e.getMessage()
                    + "); make sure it is at least datasources.default.maximum-pool-size (" + poolSize
                    + ") × servers × replicas + admin sessions (docs/operations.md, PostgreSQL)");
        }
    }

    /** The warning when {@code poolSize} exceeds the connections ordinary roles may open. */
    static Optional<String> poolWarning(String maskedUrl, int poolSize, int maxConnections, int reserved) {
        int open = maxConnections - reserved;
        if (poolSize <= open) {
            return Optional.empty();
        }
        return Optional.of("PostgreSQL at " + maskedUrl + " allows " + open + " connections for ordinary roles (max_connections "
                + maxConnections + " less " + reserved + " reserved), fewer than this server's pool alone "
                + "(datasources.default.maximum-pool-size " + poolSize + "): raise max_connections to at least pool size × "
                + "servers × replicas + admin sessions, or lower the pool size (docs/operations.md, PostgreSQL)");
    }
}
