package io.meshid.policy.activation;

import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hot reload through the Redis announcement: polling is slowed to its 10 s maximum, longer than
 * the test waits, so only the announcement can deliver the new versions in time.
 */
@RequiresPostgres
@RequiresRedis
class RedisReloadTest {

    @Test
    void putThroughOneReplica_isInForceOnTheOther_viaRedis() throws Exception {
        Map<String, Object> redis = Map.of("meshid.redis.uri", ExternalServices.redisUri(),
                "meshid.policy.reload-poll-interval", "10s");
        try (TestDatabase database = TestDatabase.postgres();
                ApplicationContext a = ApplicationContext.run(ReloadScenario.replica(database, redis));
                ApplicationContext b = ApplicationContext.run(ReloadScenario.replica(database, redis))) {
            ReloadScenario.checkPropagation(a, b);
        }
    }
}
