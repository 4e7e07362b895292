package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a Redis store fails when Redis is not there; needs no Redis. */
class RedisSharedStoreConnectionTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void unreachableRedis_failsAsUnavailable_withoutThePassword() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String uri = "redis://app:s3cret@127.0.0.1:" + closedPort;

        assertThatThrownBy(() -> SharedStore.redis(uri, TIMEOUT))
                .isInstanceOf(SharedStoreUnavailableException.class)
                .hasMessageStartingWith("Redis at redis://app:****@127.0.0.1:" + closedPort + " is unreachable")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    @Timeout(10)
    void silentServer_failsAsUnavailable_afterTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String uri = "redis://127.0.0.1:" + silent.getLocalPort();

            assertThatThrownBy(() -> SharedStore.redis(uri, TIMEOUT))
                    .isInstanceOf(SharedStoreUnavailableException.class)
                    .hasMessageStartingWith("Redis at " + uri + " is unreachable");
        }
    }

    @Test
    void malformedUri_isRejected_withoutThePassword() {
        assertThatThrownBy(() -> SharedStore.redis("bogus://user:s3cret@host", TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("uri: bogus://user:****@host (expected: redis://")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void toString_masksThePassword() {
        assertThat(RedisUris.mask("redis://app:s3cret@127.0.0.1:6379/0")).isEqualTo("redis://app:****@127.0.0.1:6379/0");
    }
}
