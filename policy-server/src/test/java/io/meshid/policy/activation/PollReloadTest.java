package io.meshid.policy.activation;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hot reload without any shared pub/sub: each replica has its own in-process store, so the
 * other replica can only learn of a new version by polling the database.
 */
@RequiresPostgres
class PollReloadTest {

    @Test
    void putThroughOneReplica_isInForceOnTheOther_byPollingAlone() throws Exception {
        Map<String, Object> noPubSub = Map.of("meshid.redis.uri", "", "meshid.policy.reload-poll-interval", "200ms");
        try (TestDatabase database = TestDatabase.postgres();
                ApplicationContext a = ApplicationContext.run(ReloadScenario.replica(database, noPubSub));
                ApplicationContext b = ApplicationContext.run(ReloadScenario.replica(database, noPubSub))) {
            ReloadScenario.checkPropagation(a, b);
        }
    }
}
