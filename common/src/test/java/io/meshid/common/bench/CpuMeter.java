package io.meshid.common.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where the CPU went during a measured window: this JVM's threads grouped by name (numbers
 * stripped, so a pool's threads add up), the JVM's own threads (GC, JIT: process time minus the
 * Java threads), PostgreSQL's processes, and how busy the machine was. Linux only for the last
 * two ({@code /proc}); they read zero elsewhere. Shared by the load benchmarks of every server
 * (common test-jar). Not thread-safe.
 */
public final class CpuMeter {

    /** CPU time per group in nanoseconds, plus the machine's busy share, over one window. */
    public record Usage(Map<String, Long> javaThreadsNanos, long processNanos, long postgresNanos, double machineBusy,
            long wallNanos, long gcMillis, long jitMillis, long meteredProcessNanos, long ownPostgresNanos) {

        public long javaThreadsTotal() {
            return javaThreadsNanos.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Share of the machine's CPU taken by processes other than this JVM and PostgreSQL (other builds, say). */
        public double otherShare() {
            double capacity = (double) wallNanos * Runtime.getRuntime().availableProcessors();
            return Math.max(0, machineBusy - (processNanos + postgresNanos + meteredProcessNanos) / capacity);
        }

        /** GC, JIT and other threads of the VM that are not Java threads. */
        public long vmInternalNanos() {
            return Math.max(0, processNanos - javaThreadsTotal());
        }
    }

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final LongSupplier meteredProcess;
    private final Supplier<Set<Long>> ownPostgres;
    private Map<Long, Long> ownPostgresStart = Map.of();
    private long meteredStart;
    private Map<Long, Long> threadStart;
    private Map<Long, String> names;
    private long processStart;
    private long postgresStart;
    private long[] machineStart;
    private long wallStart;
    private long gcStart;
    private long jitStart;

    /** A meter of this JVM, PostgreSQL and the machine. */
    public CpuMeter() {
        this(() -> 0);
    }

    /**
     * Also meters one more process of the benchmark's (a server started as its own process), whose
     * total CPU time in nanoseconds {@code meteredProcess} reads.
     */
    public CpuMeter(LongSupplier meteredProcess) {
        this(meteredProcess, Set::of);
    }

    /**
     * As {@link #CpuMeter(LongSupplier)}, also metering the PostgreSQL processes whose ids
     * {@code ownPostgres} lists (read at the start and the end of the window: the benchmark's own
     * backends and PostgreSQL's background writers, say), so that other users of the same
     * PostgreSQL on a shared machine do not count ({@link Usage#ownPostgresNanos()}; zero if empty).
     */
    public CpuMeter(LongSupplier meteredProcess, Supplier<Set<Long>> ownPostgres) {
        this.meteredProcess = meteredProcess;
        this.ownPostgres = ownPostgres;
    }

    /** Starts a window. */
    public void start() {
        meteredStart = meteredProcess.getAsLong();
        names = new HashMap<>();
        threadStart = threadTimes(names);
        processStart = os.getProcessCpuTime();
        postgresStart = postgresTicks();
        ownPostgresStart = new HashMap<>();
        for (long pid : ownPostgres.get()) {
            ownPostgresStart.put(pid, processTicks(pid));
        }
        machineStart = machineTicks();
        wallStart = System.nanoTime();
        gcStart = gcMillis();
        jitStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** Ends the window and reports it. */
    public Usage stop() {
        long wall = System.nanoTime() - wallStart;
        long process = os.getProcessCpuTime() - processStart;
        long postgres = (postgresTicks() - postgresStart) * (1_000_000_000L / TICKS_PER_SECOND);
        Set<Long> own = new java.util.HashSet<>(ownPostgresStart.keySet());
        own.addAll(ownPostgres.get());
        long ownTicks = 0;
        for (long pid : own) {
            long end = processTicks(pid);
            if (end > 0) {
                ownTicks += end - ownPostgresStart.getOrDefault(pid, 0L);
            }
        }
        long[] machine = machineTicks();
        double busy = 0;
        long total = machine[0] - machineStart[0];
        if (total > 0) {
            busy = 1.0 - (double) (machine[1] - machineStart[1]) / total;
        }
        Map<Long, String> endNames = new HashMap<>();
        Map<Long, Long> end = threadTimes(endNames);
        Map<String, Long> groups = new LinkedHashMap<>();
        end.forEach((id, nanos) -> {
            long used = nanos - threadStart.getOrDefault(id, 0L);
            if (used > 0) {
                groups.merge(group(endNames.get(id)), used, Long::sum);
            }
        });
        return new Usage(sortedByValue(groups), process, postgres, busy, wall, gcMillis() - gcStart,
                ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitStart,
                meteredProcess.getAsLong() - meteredStart, ownTicks * (1_000_000_000L / TICKS_PER_SECOND));
    }

    /** Time the collectors report (G1: pauses plus concurrent cycles), in milliseconds. */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    /** A thread's name without its numbers, so that the threads of one pool add up. */
    public static String group(String name) {
        String g = name.replaceAll("\\d+", "N").replaceAll("(-N)+$", "");
        return g.isEmpty() ? name : g;
    }

    private Map<Long, Long> threadTimes(Map<Long, String> namesOut) {
        Map<Long, Long> times = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                times.put(info.getThreadId(), cpu);
                namesOut.put(info.getThreadId(), info.getThreadName());
            }
        }
        return times;
    }

    private static Map<String, Long> sortedByValue(Map<String, Long> in) {
        Map<String, Long> out = new LinkedHashMap<>();
        in.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** utime + stime of every process named postgres that this user can see. */
    private static long postgresTicks() {
        long sum = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (!Files.readString(p.resolve("comm")).strip().equals("postgres")) {
                        continue;
                    }
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // the process ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    /** utime + stime of process {@code pid}, or 0 when it is gone. */
    private static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Total and idle (idle + iowait) ticks of all CPUs, from /proc/stat. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
