package io.meshid.common.testing;

/**
 * Where tests find the machine's PostgreSQL and Redis. Surefire sets the system properties from
 * the root pom; the defaults are the services every developer and CI machine runs on loopback.
 * Pair a test class that uses them with {@link RequiresRedis} or {@link RequiresPostgres}.
 */
public final class ExternalServices {

    /** System property with the Redis URI. */
    public static final String REDIS_URI_PROPERTY = "meshid.test.redis.uri";
    /** System property with the PostgreSQL JDBC URL. */
    public static final String POSTGRES_URL_PROPERTY = "meshid.test.postgres.url";
    /** System property with the PostgreSQL user. */
    public static final String POSTGRES_USER_PROPERTY = "meshid.test.postgres.user";

    static final String DEFAULT_REDIS_URI = "redis://127.0.0.1:6379";
    static final String DEFAULT_POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String DEFAULT_POSTGRES_USER = "postgres";

    private ExternalServices() {
    }

    /** The test Redis, such as {@code redis://127.0.0.1:6379}. */
    public static String redisUri() {
        return property(REDIS_URI_PROPERTY, DEFAULT_REDIS_URI);
    }

    /** The test PostgreSQL's JDBC URL, such as {@code jdbc:postgresql://127.0.0.1:5432/test}. */
    public static String postgresUrl() {
        return property(POSTGRES_URL_PROPERTY, DEFAULT_POSTGRES_URL);
    }

    /** The test PostgreSQL's user; it signs in without a password (trust authentication). */
    public static String postgresUser() {
        return property(POSTGRES_USER_PROPERTY, DEFAULT_POSTGRES_USER);
    }

    private static String property(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
