package io.meshid.common.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A full in-process store (every slot a live revocation or replay guard) behind the rate-limit
 * interceptor of a real gRPC server: calls are still served and still limited, because counters
 * have their own bounded space, and when that is full too the limiter counts in its own.
 */
class FullStoreRateLimitTest {

    private static final Duration LONG = Duration.ofHours(1);
    private static final HealthCheckRequest CHECK = HealthCheckRequest.getDefaultInstance();

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-04T10:00:00Z"));
    private final SharedStore store = SharedStore.inProcess(clock, 3);
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
        store.close();
    }

    private HealthGrpc.HealthBlockingStub serve(int perSource) throws Exception {
        RateLimitConfig config = new RateLimitConfig();
        config.setEnabled(true);
        config.setPerSourcePerSecond(perSource);
        var limits = new RateLimitInterceptor(config, store, Optional.of(clock));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(
                new HealthStatusManager().getHealthService(), limits, new SourceAddressInterceptor())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return HealthGrpc.newBlockingStub(channel);
    }

    @Test
    void aStoreFullOfRevocations_stillServesAndLimitsCalls() throws Exception {
        for (int i = 0; i < 3; i++) {
            store.put("revoked:jti:" + i, "1", LONG);
        }
        assertThatThrownBy(() -> store.put("revoked:jti:3", "1", LONG)).isInstanceOf(IllegalStateException.class);
        var stub = serve(2);

        stub.check(CHECK);
        stub.check(CHECK);

        assertThatThrownBy(() -> stub.check(CHECK)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    @Test
    void fullCountersToo_stillServeAndLimit_inTheLimitersOwnCounters() throws Exception {
        for (int i = 0; i < 3; i++) {
            store.put("revoked:jti:" + i, "1", LONG);
            store.increment("ratelimit:someone-else:" + i, LONG);
        }
        var stub = serve(2);

        stub.check(CHECK);
        stub.check(CHECK);

        assertThatThrownBy(() -> stub.check(CHECK)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        clock.advance(Duration.ofSeconds(1));
        stub.check(CHECK);
    }
}
