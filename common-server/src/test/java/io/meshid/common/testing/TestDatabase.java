package io.meshid.common.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A private, empty database for one test class: an in-memory H2 database in PostgreSQL mode (the
 * embedded default's dialect), or a fresh schema in the machine's PostgreSQL that is dropped on
 * {@link #close()}. {@link #properties(String...)} gives the Micronaut configuration that points
 * the default datasource at it and runs the named Flyway migration folders.
 */
public final class TestDatabase implements AutoCloseable {

    private final String url;
    private final String username;
    private final String schema;

    private TestDatabase(String url, String username, String schema) {
        this.url = url;
        this.username = username;
        this.schema = schema;
    }

    /** A new in-memory H2 database with the same URL options as the embedded default. */
    public static TestDatabase h2() {
        String name = "t" + UUID.randomUUID().toString().replace("-", "");
        return new TestDatabase("jdbc:h2:mem:" + name
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", null);
    }

    /** A new schema in the test PostgreSQL ({@link ExternalServices#postgresUrl()}); needs {@code @RequiresPostgres}. */
    public static TestDatabase postgres() {
        String base = ExternalServices.postgresUrl();
        String schema = ("t_" + UUID.randomUUID().toString().replace("-", "")).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(base, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test schema in " + base + ": " + e.getMessage(), e);
        }
        String separator = base.contains("?") ? "&" : "?";
        return new TestDatabase(base + separator + "currentSchema=" + schema, "postgres", schema);
    }

    /**
     * The same database, but closing it leaves the data in place: for a test that stops a server
     * and starts another on what the first one stored. Close this original at the end.
     */
    public TestDatabase keepOnClose() {
        return new TestDatabase(url, username, null);
    }

    /** The JDBC URL of this database. */
    public String url() {
        return url;
    }

    /** Micronaut properties for the default datasource, migrating with the given Flyway folders. */
    public Map<String, Object> properties(String... migrationFolders) {
        Map<String, Object> p = new HashMap<>();
        p.put("meshid.database.url", url);
        p.put("meshid.database.username", username);
        p.put("meshid.database.password", "");
        p.put("datasources.default.url", url);
        p.put("datasources.default.username", username);
        p.put("datasources.default.password", "");
        p.put("datasources.default.dialect", "POSTGRES");
        p.put("datasources.default.maximum-pool-size", 4);
        p.put("flyway.datasources.default.enabled", true);
        p.put("flyway.datasources.default.locations", String.join(",", prefixed(migrationFolders)));
        return p;
    }

    private static String[] prefixed(String... folders) {
        String[] out = new String[folders.length];
        for (int i = 0; i < folders.length; i++) {
            out[i] = "classpath:db/migration/" + folders[i];
        }
        return out;
    }

    @Override
    public void close() {
        if (schema == null) {
            return;
        }
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test schema " + schema + ": " + e.getMessage(), e);
        }
    }
}
