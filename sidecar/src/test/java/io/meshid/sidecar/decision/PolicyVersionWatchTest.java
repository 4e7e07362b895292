package io.meshid.sidecar.decision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The watch's reconnection delay (the stream itself is exercised through {@link PolicyDeciderTest}). */
class PolicyVersionWatchTest {

    @Test
    void healthyStreamThatEnds_isReplacedAtOnce() {
        // policy-server's maximum connection age ends a healthy stream every minute
        assertThat(PolicyVersionWatch.retryDelayMs(100, PolicyVersionWatch.HEALTHY_STREAM_MS, 37)).isZero();
        assertThat(PolicyVersionWatch.retryDelayMs(100, 60_000, 37)).isZero();
    }

    @Test
    void streamThatNeverDeliveredOrDiedYoung_waitsForTheBackoff() {
        assertThat(PolicyVersionWatch.retryDelayMs(100, -1, 37)).isEqualTo(87);
        assertThat(PolicyVersionWatch.retryDelayMs(400, PolicyVersionWatch.HEALTHY_STREAM_MS - 1, 0)).isEqualTo(200);
    }
}
