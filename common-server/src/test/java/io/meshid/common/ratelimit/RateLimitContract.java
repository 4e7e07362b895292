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
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.tls.TestCallers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the rate-limit interceptor guarantees, over a real gRPC channel (in-process transport) and
 * whichever {@link SharedStore} the subclass gives: per-caller, per-source and per-method limits,
 * the status and retry hint, fresh windows, and one count shared by two replicas of a store.
 */
abstract class RateLimitContract {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00.250Z"));
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<SharedStore> stores = new ArrayList<>();
    /** Callers and methods are unique per run, so counters of earlier runs in a shared Redis never count. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    abstract SharedStore newStore();

    @AfterEach
    void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        stores.forEach(SharedStore::close);
    }

    private SpiffeId caller(String name) {
        return SpiffeId.parse("spiffe://rl.test/" + run + "/" + name);
    }

    /** A server (one replica) with its own store client, and a channel to it as {@code caller}. */
    private HealthGrpc.HealthBlockingStub replica(RateLimitConfig config, SpiffeId caller) throws Exception {
        SharedStore store = newStore();
        stores.add(store);
        String name = InProcessServerBuilder.generateName();
        var limiter = new RateLimitInterceptor(config, new RateLimiter(store, clock));
        var interceptors = caller == null ? List.of(limiter, new SourceAddressInterceptor())
                : List.of(limiter, new SourceAddressInterceptor(), TestCallers.as(caller));
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), interceptors)).build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return HealthGrpc.newBlockingStub(channel);
    }

    private static RateLimitConfig config(int perCaller, int perSource, String... methods) {
        RateLimitConfig c = new RateLimitConfig();
        c.setEnabled(true);
        c.setPerCallerPerSecond(perCaller);
        c.setPerSourcePerSecond(perSource);
        c.setMethodLimits(List.of(methods));
        return c;
    }

    private static StatusRuntimeException refusal(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call was not refused");
    }

    private static final HealthCheckRequest CHECK = HealthCheckRequest.getDefaultInstance();

    @Test
    void perCaller_pastTheLimit_isResourceExhausted_withTheLimitAndARetryHint() throws Exception {
        var stub = replica(config(3, 1000), caller("api"));
        for (int i = 0; i < 3; i++) {
            stub.check(CHECK);
        }

        StatusRuntimeException e = refusal(() -> stub.check(CHECK));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).contains("caller " + caller("api")).contains("3 per PT1S").contains("retry in 750 ms");
        assertThat(e.getTrailers().get(RateLimitInterceptor.RETRY_AFTER_MS)).isEqualTo("750");
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        assertThat(details.getDetails(0).unpack(com.google.rpc.RetryInfo.class).getRetryDelay().getNanos()).isEqualTo(750_000_000);
    }

    @Test
    void aNewWindow_allowsCallsAgain() throws Exception {
        var stub = replica(config(2, 1000), caller("api"));
        stub.check(CHECK);
        stub.check(CHECK);
        refusal(() -> stub.check(CHECK));

        clock.advance(Duration.ofSeconds(1));

        assertThat(stub.check(CHECK).getStatusValue()).isNotNegative();
    }

    @Test
    void oneCallersExcess_doesNotThrottleAnother() throws Exception {
        RateLimitConfig config = config(2, 1000);
        var noisy = replica(config, caller("noisy"));
        var quiet = replica(config, caller("quiet"));
        noisy.check(CHECK);
        noisy.check(CHECK);
        refusal(() -> noisy.check(CHECK));

        quiet.check(CHECK);
        quiet.check(CHECK);
    }

    @Test
    void perSource_limitsCallsWithoutIdentity() throws Exception {
        var anonymous = replica(config(1000, 2), null);
        anonymous.check(CHECK);
        anonymous.check(CHECK);

        assertThat(refusal(() -> anonymous.check(CHECK)).getStatus().getDescription()).contains("source address");
    }

    @Test
    void methodLimit_isStricter_andCountedPerCallerOverItsOwnWindow() throws Exception {
        var stub = replica(config(1000, 1000, "grpc.health.v1.Health/Check=2/PT1M"), caller("renewer-" + run));
        stub.check(CHECK);
        stub.check(CHECK);
        clock.advance(Duration.ofSeconds(5));

        StatusRuntimeException e = refusal(() -> stub.check(CHECK));

        assertThat(e.getStatus().getDescription()).contains("grpc.health.v1.Health/Check").contains("2 per PT1M");
        clock.advance(Duration.ofMinutes(1));
        stub.check(CHECK);
    }

    @Test
    void twoReplicasOnOneStore_shareOneCount() throws Exception {
        RateLimitConfig config = config(4, 1000);
        var first = replica(config, caller("shared"));
        var second = replica(config, caller("shared"));
        first.check(CHECK);
        second.check(CHECK);
        first.check(CHECK);
        second.check(CHECK);

        assertThatThrownBy(() -> first.check(CHECK)).isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> second.check(CHECK)).isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void disabled_limitsNothing() throws Exception {
        RateLimitConfig config = config(1, 1);
        config.setEnabled(false);
        var stub = replica(config, caller("free"));
        for (int i = 0; i < 5; i++) {
            stub.check(CHECK);
        }
    }
}
