package io.meshid.common.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The start-up checks of the database and what every pool is given: a pool larger than the
 * connections PostgreSQL lets ordinary roles open is warned about in one line that says what to
 * set; a pool is built checking every connection before lending it, and its driver knows it.
 */
@RequiresPostgres
@Timeout(30)
class DatabaseRequirementsTest {

    @Test
    void aPoolLargerThanWhatPostgresAllows_isWarnedAbout_withWhatToSet() {
        assertThat(DatabaseRequirements.poolWarning("jdbc:postgresql://db:5432/meshid", 10, 100, 3)).isEmpty();
        assertThat(DatabaseRequirements.poolWarning("jdbc:postgresql://db:5432/meshid", 97, 100, 3)).isEmpty();
        Optional<String> warning = DatabaseRequirements.poolWarning("jdbc:postgresql://db:5432/meshid", 98, 100, 3);
        assertThat(warning).hasValueSatisfying(w -> assertThat(w)
                .contains("allows 97 connections", "max_connections 100", "3 reserved", "maximum-pool-size 98",
                        "raise max_connections", "docs/operations.md")
                .doesNotContain("\n"));
    }

    @Test
    void theCheck_readsTheLimitsOfTheRealPostgres() throws Exception {
        int open;
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('max_connections')::int - "
                        + "current_setting('superuser_reserved_connections')::int")) {
            rs.next();
            open = rs.getInt(1);
        }
        PGSimpleDataSource postgres = new PGSimpleDataSource();
        postgres.setUrl(ExternalServices.postgresUrl());
        postgres.setUser(ExternalServices.postgresUser());
        assertThat(DatabaseRequirements.check(postgres, open, "pg")).isEmpty();
        assertThat(DatabaseRequirements.check(postgres, open + 1, "pg")).hasValueSatisfying(w -> assertThat(w)
                .contains("allows " + open + " connections", "maximum-pool-size " + (open + 1)));

        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1");
        assertThat(DatabaseRequirements.check(nowhere, 10, "jdbc:postgresql://127.0.0.1:1/none"))
                .hasValueSatisfying(w -> assertThat(w).startsWith("Could not read max_connections").contains("maximum-pool-size (10)"));
    }

    @Test
    void aServersPool_checksEveryConnectionBeforeLendingIt_andIsKnownToItsDriver() throws Exception {
        try (TestDatabase database = TestDatabase.postgres(); ApplicationContext context = ApplicationContext.run(database.properties("common"))) {
            DataSource pool = DelegatingDataSource.unwrapDataSource(context.getBean(DataSource.class));
            assertThat(System.getProperty(PoolSetup.ALIVE_BYPASS)).isEqualTo(PoolSetup.CHECK_EVERY_BORROW);
            assertThat(pool).isInstanceOf(HikariDataSource.class);
            assertThat(((HikariDataSource) pool).getConnectionTestQuery())
                    .as("no test query: Hikari checks with Connection.isValid, an empty query on PostgreSQL").isNull();
            assertThat(((HikariDataSource) pool).getDataSourceProperties().getProperty(ReconnectingDriver.POOL_PROPERTY))
                    .startsWith("default-");
            try (Connection c = pool.getConnection()) {
                assertThat(c.isValid(1)).isTrue();
            }
        }
    }
}
