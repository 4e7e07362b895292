package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshid.common.ratelimit.RateLimitConfig;
import io.meshid.common.ratelimit.RateLimitInterceptor;
import io.meshid.common.ratelimit.RateLimiter;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TextMethods;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-connection limits and source addresses on a real gRPC server over loopback TCP, built with
 * the settings the meshid servers get: one connection cannot hold more than its share of calls
 * or streams while another connection is served, and a source behind a trusted proxy is counted
 * by its own address, an IPv6 one per /64.
 */
class ConnectionLimitsTest {

    private static final MethodDescriptor<String, String> HOLD = TextMethods.unary("test.Limits/Hold");
    private static final MethodDescriptor<String, String> FAST = TextMethods.unary("test.Limits/Fast");
    private static final MethodDescriptor<String, String> WHO = TextMethods.unary("test.Limits/Who");
    private static final MethodDescriptor<String, String> WATCH = TextMethods.serverStreaming("test.Limits/Watch");

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger holding = new AtomicInteger();
    private final ExecutorService rpc = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        rpc.shutdownNow();
    }

    private void start(GrpcLimitsConfig config, io.grpc.ServerInterceptor... extra) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Limits")
                .addMethod(HOLD, ServerCalls.asyncUnaryCall((request, reply) -> {
                    holding.incrementAndGet();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    reply.onNext("held");
                    reply.onCompleted();
                }))
                .addMethod(FAST, ServerCalls.asyncUnaryCall((request, reply) -> {
                    reply.onNext("fast");
                    reply.onCompleted();
                }))
                .addMethod(WHO, ServerCalls.asyncUnaryCall((request, reply) -> {
                    reply.onNext(SourceAddressInterceptor.current());
                    reply.onCompleted();
                }))
                .addMethod(WATCH, ServerCalls.asyncServerStreamingCall((request, reply) -> reply.onNext("watching")))
                .build();
        List<io.grpc.ServerInterceptor> interceptors = new ArrayList<>(List.of(extra));
        interceptors.add(new StreamLimitInterceptor(config));
        interceptors.add(new SourceAddressInterceptor(config));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).executor(rpc);
        server = ConnectionLimitsConfigurer.apply(builder, config)
                .addService(ServerInterceptors.intercept(service, interceptors)).build().start();
    }

    private ManagedChannel connection() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private static String call(io.grpc.Channel channel, MethodDescriptor<String, String> method) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "x");
    }

    private static void awaitValue(AtomicInteger value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (value.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(value).hasValue(expected);
    }

    @Test
    void callsPastTheLimitOfOneConnection_wait_whileAnotherConnectionIsServed() throws Exception {
        GrpcLimitsConfig config = new GrpcLimitsConfig();
        config.setMaxConcurrentCallsPerConnection(2);
        start(config);
        ManagedChannel greedy = connection();
        List<Future<String>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(ClientCalls.futureUnaryCall(greedy.newCall(HOLD, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)), "x"));
        }
        awaitValue(holding, 2);

        assertThat(call(connection(), FAST)).isEqualTo("fast");
        assertThat(holding).as("the third call of the greedy connection is queued, not served").hasValue(2);
        assertThat(held.get(2).isDone()).isFalse();

        release.countDown();
        for (Future<String> f : held) {
            assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("held");
        }
        assertThat(holding).hasValue(3);
    }

    /** Opens a watch on {@code channel}; the queue gets its first message, or its status when it fails. */
    private static ClientCall<String, String> watch(ManagedChannel channel, java.util.concurrent.BlockingQueue<Object> events) {
        ClientCall<String, String> call = channel.newCall(WATCH, CallOptions.DEFAULT);
        ClientCalls.asyncServerStreamingCall(call, "x", new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                events.add(value);
            }

            @Override
            public void onError(Throwable t) {
                events.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                events.add("completed");
            }
        });
        return call;
    }

    private static Object next(java.util.concurrent.BlockingQueue<Object> events) throws InterruptedException {
        Object e = events.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("an answer within the deadline").isNotNull();
        return e;
    }

    @Test
    void streamsPastTheLimitOfOneConnection_areRefused_whileAnotherConnectionMayOpenOne() throws Exception {
        GrpcLimitsConfig config = new GrpcLimitsConfig();
        config.setMaxConcurrentStreamsPerConnection(2);
        start(config);
        ManagedChannel greedy = connection();
        var events = new java.util.concurrent.LinkedBlockingQueue<Object>();
        List<ClientCall<String, String>> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            open.add(watch(greedy, events));
            assertThat(next(events)).isEqualTo("watching");
        }

        watch(greedy, events);
        Status refused = (Status) next(events);
        assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getDescription()).contains("already has 2 streaming calls open")
                .contains("meshid.grpc.max-concurrent-streams-per-connection");

        var otherEvents = new java.util.concurrent.LinkedBlockingQueue<Object>();
        ClientCall<String, String> other = watch(connection(), otherEvents);
        assertThat(next(otherEvents)).isEqualTo("watching");
        assertThat(call(greedy, FAST)).as("unary calls are not streams").isEqualTo("fast");

        open.get(0).cancel("done watching", null);
        assertThat(next(events)).isInstanceOf(Status.class);
        Object again = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"watching".equals(again) && System.nanoTime() < deadline) {
            open.set(0, watch(greedy, events));
            again = next(events);
        }
        assertThat(again).as("a cancelled stream gives its place back").isEqualTo("watching");
        other.cancel("end", null);
        open.forEach(c -> c.cancel("end", null));
    }

    private static io.grpc.Channel forwardedFor(ManagedChannel channel, String address) {
        Metadata headers = new Metadata();
        headers.put(SourceAddressInterceptor.FORWARDED_FOR, address);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void aTrustedProxyNamesTheClient_anUntrustedPeerCannot() throws Exception {
        GrpcLimitsConfig trusting = new GrpcLimitsConfig();
        trusting.setTrustedProxies(List.of("127.0.0.1/32"));
        start(trusting);
        assertThat(call(forwardedFor(connection(), "2001:db8:1:2::a"), WHO)).isEqualTo("2001:db8:1:2:0:0:0:a");
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

        GrpcLimitsConfig elsewhere = new GrpcLimitsConfig();
        elsewhere.setTrustedProxies(List.of("10.0.0.0/8"));
        start(elsewhere);
        assertThat(call(forwardedFor(connection(), "2001:db8:1:2::a"), WHO)).isEqualTo("127.0.0.1");
    }

    @Test
    void sourcesBehindAProxy_areLimitedPerIpv6Slash64() throws Exception {
        GrpcLimitsConfig trusting = new GrpcLimitsConfig();
        trusting.setTrustedProxies(List.of("127.0.0.1/32"));
        RateLimitConfig limits = new RateLimitConfig();
        limits.setEnabled(true);
        limits.setPerSourcePerSecond(2);
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-04T10:00:00Z"));
        start(trusting, new RateLimitInterceptor(limits, RateLimiter.local(clock)));
        ManagedChannel proxy = connection();

        call(forwardedFor(proxy, "2001:db8:1:2::a"), FAST);
        call(forwardedFor(proxy, "2001:db8:1:2::b"), FAST);
        StatusRuntimeException refused = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(
                () -> call(forwardedFor(proxy, "2001:db8:1:2:dead:beef:0:1"), FAST));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription()).contains("source address 2001:db8:1:2::/64");
        assertThat(call(forwardedFor(proxy, "2001:db8:1:3::a"), FAST)).as("another /64 is another source").isEqualTo("fast");
    }
}
