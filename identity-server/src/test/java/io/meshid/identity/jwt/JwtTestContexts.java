package io.meshid.identity.jwt;

import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;

/** identity-server application contexts (no servers) for token tests: a database, a moving clock, a test KEK. */
public final class JwtTestContexts {

    /** A throwaway key-encryption key for tests, never used anywhere else. */
    public static final String TEST_KEK = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private JwtTestContexts() {
    }

    /** Properties for {@code database}, trust domain {@code domain}, and the test KEK. */
    public static Map<String, Object> properties(TestDatabase database, String domain) {
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", domain);
        p.put("meshid.identity.key-encryption-key", TEST_KEK);
        return p;
    }

    /** A started context whose every TTL, expiry and rotation reads {@code clock}. */
    public static ApplicationContext start(Map<String, Object> properties, MutableClock clock) {
        return ApplicationContext.builder().properties(properties).singletons(clock).start();
    }
}
