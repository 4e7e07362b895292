package io.meshid.common.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load for any asynchronous call: a fixed number of callers, each with one call in
 * flight that it replaces as soon as it completes, for a warm-up and then a measured window.
 * Latency is what the caller sees, from starting the call to its completion, in an HdrHistogram
 * (nanoseconds, 3 significant digits); the window's CPU comes from {@link CpuMeter}. A failed call
 * is counted by kind and retried after 1 ms. Every phase is bounded in time. One instance runs one
 * load; not reusable.
 */
public final class ClosedLoop {

    /** Starts call number {@code sequence} of caller {@code caller}; reports its end to {@code done} exactly once. */
    @FunctionalInterface
    public interface Call {
        void start(int caller, long sequence, Completion done);
    }

    /** How a call ended. */
    public interface Completion {
        /** It succeeded. */
        void ok();

        /** It failed; {@code kind} names how (a status code, say). */
        void failed(String kind);
    }

    /** What one measured window gave. */
    public record Result(String name, int concurrency, long calls, Map<String, Long> errors, Histogram latency, double seconds,
            CpuMeter.Usage cpu) {

        /** Completed calls per second in the window. */
        public double perSecond() {
            return calls / seconds;
        }

        /** Failed calls in the window. */
        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final Duration DRAIN = Duration.ofSeconds(15);

    /** A closed loop whose window meters this JVM, PostgreSQL and the machine. */
    public ClosedLoop() {
        this(() -> 0);
    }

    /**
     * As {@link #ClosedLoop()}, also metering over the window (not the warm-up) the process whose
     * total CPU nanoseconds {@code meteredProcess} reads ({@link CpuMeter.Usage#meteredProcessNanos()}).
     */
    public ClosedLoop(LongSupplier meteredProcess) {
        this(meteredProcess, java.util.Set::of);
    }

    /** As {@link #ClosedLoop(LongSupplier)}, also metering the PostgreSQL processes {@code ownPostgres} lists ({@link CpuMeter}). */
    public ClosedLoop(LongSupplier meteredProcess, java.util.function.Supplier<java.util.Set<Long>> ownPostgres) {
        this.meteredProcess = meteredProcess;
        this.ownPostgres = ownPostgres;
    }

    private final LongSupplier meteredProcess;
    private final java.util.function.Supplier<java.util.Set<Long>> ownPostgres;
    private final Recorder recorder = new Recorder(3);
    private final LongAdder completed = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private volatile boolean stopping;

    /**
     * Runs {@code concurrency} callers of {@code call}: {@code warmup} unrecorded, then up to
     * {@code duration} or {@code maxCalls} completed calls recorded.
     */
    public Result run(String name, int concurrency, Call call, Duration warmup, Duration duration, long maxCalls)
            throws InterruptedException {
        return run(name, concurrency, call, warmup, duration, maxCalls, () -> false);
    }

    /** As {@link #run(String, int, Call, Duration, Duration, long)}, ending the window early once {@code exhausted} says so. */
    public Result run(String name, int concurrency, Call call, Duration warmup, Duration duration, long maxCalls,
            BooleanSupplier exhausted) throws InterruptedException {
        settleHeap();
        CountDownLatch drained = new CountDownLatch(concurrency);
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("bench-client-retry").daemon().unstarted(r));
        try {
            for (int i = 0; i < concurrency; i++) {
                new Caller(call, i, concurrency, retries, drained).next();
            }
            Thread.sleep(warmup.toMillis());
            CpuMeter cpu = new CpuMeter(meteredProcess, ownPostgres);
            recorder.reset();
            errors.clear();
            long before = completed.sum();
            cpu.start();
            measuring = true;
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            while (System.nanoTime() < end && completed.sum() - before < maxCalls && !exhausted.getAsBoolean()) {
                Thread.sleep(20);
            }
            measuring = false;
            long elapsed = System.nanoTime() - start;
            Histogram latency = recorder.getIntervalHistogram();
            CpuMeter.Usage usage = cpu.stop();
            Map<String, Long> errorCounts = new TreeMap<>();
            errors.forEach((k, v) -> errorCounts.put(k, v.sum()));
            stopping = true;
            if (!drained.await(DRAIN.toSeconds(), TimeUnit.SECONDS)) {
                errorCounts.merge("not drained after the window", drained.getCount(), Long::sum);
            }
            return new Result(name, concurrency, latency.getTotalCount(), errorCounts, latency, elapsed / 1e9, usage);
        } finally {
            retries.shutdownNow();
        }
    }

    /**
     * Moves what the harness made ahead of the load (join tokens, CSRs, requests: tens of MB when
     * the load client shares a JVM with the server) out of the young generation with one full
     * collection, as JMH's {@code -gc true} does between iterations. Otherwise every young pause of
     * the window copies the harness's data again, and the server's pauses (which a closed loop
     * feels as its p99) measure the harness. Not timed: it runs before the warm-up.
     */
    private static void settleHeap() {
        System.gc();
    }

    private final class Caller {
        private final Call call;
        private final int id;
        private final int stride;
        private final ScheduledExecutorService retries;
        private final CountDownLatch drained;
        private long sequence;

        Caller(Call call, int id, int stride, ScheduledExecutorService retries, CountDownLatch drained) {
            this.call = call;
            this.id = id;
            this.stride = stride;
            this.retries = retries;
            this.drained = drained;
            this.sequence = id;
        }

        void next() {
            if (stopping) {
                drained.countDown();
                return;
            }
            long seq = sequence;
            sequence += stride;
            long started = System.nanoTime();
            call.start(id, seq, new Completion() {
                @Override
                public void ok() {
                    completed.increment();
                    if (measuring) {
                        recorder.recordValue(System.nanoTime() - started);
                    }
                    next();
                }

                @Override
                public void failed(String kind) {
                    if (measuring) {
                        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
                    }
                    try {
                        retries.schedule(Caller.this::next, 1, TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        drained.countDown();
                    }
                }
            });
        }
    }
}
