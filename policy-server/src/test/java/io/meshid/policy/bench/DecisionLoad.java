package io.meshid.policy.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.bench.ClientTransport;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.SeededPolicyServer;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.RequestContext;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * The decision load benchmark (docs/benchmarks.md, "Policy decisions"): starts the real
 * policy-server in this JVM over mutual TLS, seeded with a generated policy set
 * ({@link GeneratedPolicies}: 250 policies with template links by default) and its decision cache
 * off, then sends PolicyService.Check calls as sidecars would, over persistent channels, from
 * several callers each keeping one call in flight, with distinct requests (paths and addresses
 * vary, so no two are alike), and prints decisions per second and latency percentiles. The client
 * shares the machine (and this JVM) with the server. Not a unit test: run it with
 * {@code policy-server/bench/run-decision-load.sh}. Traffic goes to 127.0.0.1 only; bounded in time.
 *
 * <p>System properties: {@code bench.policies} (250), {@code bench.channels} (4),
 * {@code bench.concurrency} (calls in flight, 32), {@code bench.warmup} (seconds, 20),
 * {@code bench.duration} (seconds, 20), {@code bench.requests} (distinct requests, 65,536),
 * {@code bench.cacheSize} (the server's decision cache, 0), {@code bench.engine} (the server's
 * {@code meshid.policy.engine}, java), {@code bench.db} ({@code postgres}: the local PostgreSQL, where
 * the decision log's audit records go, as in production; {@code h2}: in memory, where they pile up
 * in the heap), {@code bench.modes} ({@code in-process,redis}: each mode its own server, one after
 * the other, side by side at the end; Redis mode uses a redis-server of the benchmark's own for the
 * policy-version notifications and shares the rate limits through it), {@code bench.out} (folder for the seed).
 */
public final class DecisionLoad {

    private DecisionLoad() {}

    public static void main(String[] args) throws Exception {
        int policies = Integer.getInteger("bench.policies", 250);
        int channels = Integer.getInteger("bench.channels", 4);
        int concurrency = Integer.getInteger("bench.concurrency", 32);
        int warmup = Integer.getInteger("bench.warmup", 20);
        int duration = Integer.getInteger("bench.duration", 20);
        int distinct = Integer.getInteger("bench.requests", 65_536);
        Path out = Path.of(System.getProperty("bench.out", "policy-server/target/bench"));
        GeneratedPolicies generated = GeneratedPolicies.of(policies);
        Path seed = generated.writeSeed(Files.createTempDirectory(Files.createDirectories(out), "seed-"));
        List<CheckRequest> requests = new ArrayList<>(distinct);
        for (MeshRequest r : generated.requests(distinct, 7)) {
            requests.add(CheckRequest.newBuilder().setPrincipal(r.principal().toString()).setAction(r.action())
                    .setResource(r.resource().toString()).setRequestId(r.requestId())
                    .setContext(RequestContext.newBuilder().setPath(r.path()).setSourceAddress(r.sourceAddress())
                            .putAllHeaders(r.headers())).build());
        }
        boolean postgres = !"h2".equalsIgnoreCase(System.getProperty("bench.db", "postgres"));
        List<String> summary = new ArrayList<>();
        for (String mode : System.getProperty("bench.modes", "in-process,redis").split(",")) {
            if (!mode.equals("in-process") && !mode.equals("redis")) {
                throw new IllegalArgumentException("bench.modes: '" + mode + "' (expected: in-process, redis)");
            }
            // Redis mode: policy-version notifications through a redis-server of the benchmark's own (its CPU is the
            // benchmark's alone), and the rate limits shared through it (leased, issue 16).
            try (OwnRedis redis = mode.equals("redis") ? OwnRedis.start() : null) {
                Map<String, Object> settings = new java.util.HashMap<>(Map.of(
                        "meshid.policy.decision-cache-size", Integer.getInteger("bench.cacheSize", 0),
                        "meshid.policy.engine", System.getProperty("bench.engine", "java")));
                if (redis != null) {
                    settings.put("meshid.redis.uri", redis.uri());
                    settings.put("meshid.rate-limit.shared", true);
                }
                try (SeededPolicyServer server = new SeededPolicyServer(postgres ? TestDatabase.postgres() : TestDatabase.h2(),
                        GeneratedPolicies.DOMAIN, seed.toString(), settings)) {
                    EventLoopGroup loop = ClientTransport.eventLoops(1, "bench-client");
                    List<ManagedChannel> open = new ArrayList<>();
                    for (int i = 0; i < channels; i++) {
                        open.add(server.channel(NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                                .eventLoopGroup(loop).channelType(ClientTransport.channelType()).directExecutor(), "/meshid/admin"));
                    }
                    System.out.printf("policy-server (%s): %d policies (%d template links), %d channels, %d calls in flight, "
                            + "decision cache %s, engine %s, database %s%n", mode, generated.size(), generated.links.size(), channels,
                            concurrency, Integer.getInteger("bench.cacheSize", 0) == 0 ? "off" : "on",
                            System.getProperty("bench.engine", "java"), postgres ? "PostgreSQL on 127.0.0.1" : "H2 in memory");
                    run(open, requests, concurrency, warmup, false, redis);
                    summary.add(mode + ": " + run(open, requests, concurrency, duration, true, redis));
                    open.forEach(ManagedChannel::shutdownNow);
                    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
        }
        System.out.println();
        System.out.println("Side by side (same run):");
        summary.forEach(System.out::println);
    }

    private static String run(List<ManagedChannel> channels, List<CheckRequest> requests, int concurrency, int seconds, boolean report,
            OwnRedis redis) throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long jvmStart = os.getProcessCpuTime();
        long redisStart = redis == null ? 0 : redis.cpuNanos();
        Recorder recorder = new Recorder(3);
        AtomicLong next = new AtomicLong();
        AtomicLong allows = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(concurrency);
        long started = System.nanoTime();
        for (int c = 0; c < concurrency; c++) {
            var stub = PolicyServiceGrpc.newFutureStub(channels.get(c % channels.size()));
            new Runnable() {
                @Override
                public void run() {
                    if (!running.get()) {
                        done.countDown();
                        return;
                    }
                    CheckRequest request = requests.get((int) (next.getAndIncrement() % requests.size()));
                    long sent = System.nanoTime();
                    Futures.addCallback(stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(request), new FutureCallback<CheckResponse>() {
                        @Override
                        public void onSuccess(CheckResponse reply) {
                            recorder.recordValue((System.nanoTime() - sent) / 1000);
                            if (reply.getDecision() == Decision.DECISION_ALLOW) {
                                allows.incrementAndGet();
                            }
                            run();
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            errors.incrementAndGet();
                            run();
                        }
                    }, MoreExecutors.directExecutor());
                }
            }.run();
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        var histogram = recorder.getIntervalHistogram();
        double elapsed = (System.nanoTime() - started) / 1e9;
        long jvm = os.getProcessCpuTime() - jvmStart;
        long redisCpu = redis == null ? 0 : redis.cpuNanos() - redisStart;
        done.await(15, TimeUnit.SECONDS);
        if (report) {
            long count = histogram.getTotalCount();
            String line = String.format(java.util.Locale.ROOT, "%d s: %,d decisions, %,.0f decisions/s, p50 %.2f ms, p99 %.2f ms, "
                            + "p99.9 %.2f ms, max %.2f ms, %.0f%% allowed, %d errors; CPU per decision: JVM (server and client) %.0f µs, "
                            + "Redis %.1f µs", seconds, count, count / elapsed,
                    histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                    histogram.getValueAtPercentile(99.9) / 1000.0, histogram.getMaxValue() / 1000.0,
                    count == 0 ? 0.0 : 100.0 * allows.get() / count, errors.get(), jvm / 1e3 / Math.max(1, count),
                    redisCpu / 1e3 / Math.max(1, count));
            System.out.println(line);
            return line;
        }
        System.out.printf("warm-up: %d s, %,d decisions%n", seconds, histogram.getTotalCount());
        return "";
    }
}
