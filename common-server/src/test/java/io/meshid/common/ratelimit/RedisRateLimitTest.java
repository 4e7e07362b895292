package io.meshid.common.ratelimit;

import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresRedis;
import java.time.Duration;

/** The contract on the machine's Redis: each replica has its own connection, as separate processes would. */
@RequiresRedis
class RedisRateLimitTest extends RateLimitContract {

    @Override
    SharedStore newStore() {
        return SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2));
    }
}
