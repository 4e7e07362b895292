package io.meshid.common.ratelimit;

import io.meshid.common.store.LeasedCounters;
import io.meshid.common.store.SharedStore;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * What one rate-limited call costs in the limiter alone (two limits a call, per caller and per
 * source, as {@link RateLimitInterceptor} counts them), for each way of counting: CPU time and bytes
 * allocated per call on one thread, after a warm-up. Allocation is exact whatever the machine's
 * load; CPU time is not. The "old" rows replay what the limiter did before {@code WindowCounters}
 * (a key string per call and window, then a Caffeine expiring-map entry or an in-process store
 * entry per call). Run from the repository root after {@code test-compile}:
 *
 * <pre>java -cp common-server/target/test-classes:common-server/target/classes:$(cat cp.txt) io.meshid.common.ratelimit.RateLimitCost</pre>
 */
public final class RateLimitCost {

    private static final RateLimit HIGH = RateLimit.perSecond(10_000_000);
    private static final String CALLER = "spiffe://bench.test/ns/default/sa/workload-3";
    private static final String SOURCE = "127.0.0.1";

    private RateLimitCost() {}

    public static void main(String[] args) {
        int calls = Integer.getInteger("bench.calls", 3_000_000);
        Clock clock = Clock.systemUTC();
        RateLimiter local = RateLimiter.local(clock);
        SharedStore inProcess = SharedStore.inProcess(clock, 1_000_000);
        RateLimiter store = new RateLimiter(inProcess, clock);
        LeasedLimits leases = new LeasedLimits(grantAll(), clock, Duration.ofMillis(100), 0.05, false);
        RateLimiter leased = new RateLimiter(redisLike(), clock, leases);
        long[] lastSync = {0};
        LocalCounters caffeine = new LocalCounters(clock, RateLimiter.MAX_LOCAL_KEYS);
        SharedStore oldStore = SharedStore.inProcess(clock, 1_000_000);
        List<Row> rows = List.of(
                new Row("local / not shared (policy-server), WindowCounters", i -> both(local)),
                new Row("in-process store, its WindowCounters", i -> both(store)),
                new Row("Redis mode, leased (lease stub in memory, synced every 50 ms)", i -> {
                    if ((i & 1023) == 0 && clock.millis() - lastSync[0] >= 50) {
                        leases.sync();
                        lastSync[0] = clock.millis();
                    }
                    return both(leased);
                }),
                new Row("old: local / not shared, Caffeine LocalCounters entry per call", i -> {
                    long w = clock.millis() / 1000;
                    return caffeine.increment("ratelimit:caller:" + CALLER + ":" + w, Duration.ofSeconds(2)) > 0
                            & caffeine.increment("ratelimit:source:" + SOURCE + ":" + w, Duration.ofSeconds(2)) > 0;
                }),
                new Row("old: in-process store, SharedStore.increment per call", i -> {
                    long w = clock.millis() / 1000;
                    return oldStore.increment("ratelimit:caller:" + CALLER + ":" + w, Duration.ofSeconds(2)) > 0
                            & oldStore.increment("ratelimit:source:" + SOURCE + ":" + w, Duration.ofSeconds(2)) > 0;
                }));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf("%-75s %12s %14s%n", "limiter (2 limits per call)", "CPU ns/call", "bytes/call");
        for (int round = 0; round < 2; round++) {
            for (Row row : rows) {
                run(row.call, calls); // warm-up
                long cpu = threads.getCurrentThreadCpuTime();
                long bytes = threads.getCurrentThreadAllocatedBytes();
                run(row.call, calls);
                cpu = threads.getCurrentThreadCpuTime() - cpu;
                bytes = threads.getCurrentThreadAllocatedBytes() - bytes;
                if (round == 1) {
                    System.out.printf("%-75s %12.0f %14.1f%n", row.name, (double) cpu / calls, (double) bytes / calls);
                }
            }
        }
        leases.close();
        inProcess.close();
        oldStore.close();
    }

    private record Row(String name, IntPredicate call) {
    }

    private static void run(IntPredicate call, int calls) {
        int allowed = 0;
        for (int i = 0; i < calls; i++) {
            allowed += call.test(i) ? 1 : 0;
        }
        if (allowed != calls) {
            throw new IllegalStateException("refused " + (calls - allowed) + " calls");
        }
    }

    private static boolean both(RateLimiter limiter) {
        return limiter.acquire("caller", CALLER, HIGH).allowed() & limiter.acquire("source", SOURCE, HIGH).allowed();
    }

    /** A lease store that grants every key its whole limit. */
    private static LeasedCounters grantAll() {
        return (member, leases, ttl) -> leases.stream().mapToLong(LeasedCounters.Lease::permits).toArray();
    }

    private static SharedStore redisLike() {
        return (SharedStore) Proxy.newProxyInstance(RateLimitCost.class.getClassLoader(), new Class<?>[] {SharedStore.class},
                (proxy, method, a) -> switch (method.getName()) {
                    case "kind" -> "redis";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
