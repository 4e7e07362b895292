package io.meshid.ca.bench;

import io.meshid.common.keys.CryptoProvider;
import io.netty.handler.ssl.OpenSsl;
import io.meshid.common.bench.CpuMeter;
import io.meshid.common.bench.Machine;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Collects what the issuance benchmark measured and writes it as Markdown fragments ready to
 * paste into docs/benchmarks.md: the machine, the raw signature rates, one row per load level,
 * and for the profiled level the CPU per thread group and per issuance stage. Not thread-safe.
 */
final class Report {

    private final String command;
    private final String database;
    private final List<SignatureRates.Rate> rates = new ArrayList<>();
    private final List<IssuanceLoad.Result> runs = new ArrayList<>();
    private IssuanceLoad.Result profiled;

    Report(String command, String database) {
        this.command = command;
        this.database = database;
    }

    void rate(SignatureRates.Rate rate) {
        rates.add(rate);
        IssuanceBenchmark.log(String.format(Locale.ROOT, "%s: %,.0f sign/s, %,.0f verify/s", rate.source(),
                rate.signPerSecond(), rate.verifyPerSecond()));
    }

    void run(IssuanceLoad.Result result) {
        runs.add(result);
        IssuanceBenchmark.log(row(result));
    }

    void profiled(IssuanceLoad.Result result) {
        profiled = result;
        IssuanceBenchmark.log(row(result));
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(Machine.describe()).append("  \n");
        md.append("Date: ").append(LocalDate.now()).append("; journal: ").append(database).append("; signatures: ")
                .append(CryptoProvider.name()).append(' ').append(CryptoProvider.get().getVersionStr())
                .append("; TLS: ").append(OpenSsl.isAvailable() ? OpenSsl.versionString() : "JDK").append("  \n");
        md.append("Command: `").append(command).append("`  \n");
        md.append("Load client and server share the machine's ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores (one JVM; PostgreSQL on the same cores too). Closed loop: each caller has one call in flight.\n\n");

        md.append("| door | in flight | channels | certs/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors "
                + "| JVM CPU µs/cert (client part) | PostgreSQL CPU µs/cert | machine busy | other processes | sampled certs: bad / checked |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        runs.forEach(r -> md.append(tableRow(r)).append('\n'));
        if (profiled != null) {
            md.append(tableRow(profiled).replaceFirst("\\| gRPC mTLS", "| gRPC mTLS, JFR on")).append('\n');
        }

        md.append("\n| raw ECDSA P-256, one thread | sign/s | verify/s |\n|---|--:|--:|\n");
        rates.forEach(r -> md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f |%n", r.source(), r.signPerSecond(),
                r.verifyPerSecond())));
        if (profiled != null && profiled.profile() != null) {
            appendProfile(md, profiled);
        }
        return md.toString();
    }

    private void appendProfile(StringBuilder md, IssuanceLoad.Result r) {
        long certs = Math.max(1, r.certificates());
        CpuMeter.Usage cpu = r.cpu();
        md.append(String.format(Locale.ROOT, "%nCPU per certificate at %d in flight (thread CPU time over the window, "
                + "%,d certificates):%n%n| where | µs/cert | share |%n|---|--:|--:|%n", r.concurrency(), r.certificates()));
        long all = cpu.processNanos() + cpu.postgresNanos();
        cpu.javaThreadsNanos().forEach((group, nanos) -> {
            if (nanos * 200 >= all) {
                md.append(cpuRow("JVM thread group `" + group + "`", nanos, certs, all));
            }
        });
        long small = cpu.javaThreadsNanos().values().stream().filter(n -> n * 200 < all).mapToLong(Long::longValue).sum();
        md.append(cpuRow("other JVM threads (each < 0.5 %)", small, certs, all));
        md.append(cpuRow(String.format(Locale.ROOT, "JVM internal (GC, JIT compiler; collectors report %d ms, JIT %d ms)",
                cpu.gcMillis(), cpu.jitMillis()), cpu.vmInternalNanos(), certs, all));
        md.append(cpuRow("PostgreSQL processes", cpu.postgresNanos(), certs, all));
        md.append(cpuRow("**total**", all, certs, all));

        StageProfile.Result p = r.profile();
        long clientNanos = cpu.javaThreadsNanos().entrySet().stream()
                .filter(e -> e.getKey().startsWith(IssuanceBenchmark.CLIENT_THREAD_PREFIX)).mapToLong(Map.Entry::getValue).sum();
        long serverNanos = cpu.javaThreadsTotal() - clientNanos;
        long serverSamples = Math.max(1, p.serverSamples());
        md.append(String.format(Locale.ROOT, "%nServer-side Java threads by stage (JFR `jdk.CPUTimeSample`, %,d samples, "
                + "%,d lost; µs/cert = share × the server threads' %.0f µs/cert; recording: `%s`):%n%n"
                + "| stage | share of server samples | µs/cert |%n|---|--:|--:|%n",
                p.samples(), p.lost(), serverNanos / 1e3 / certs, p.file().getFileName()));
        p.serverStages().forEach((stage, n) -> md.append(String.format(Locale.ROOT, "| %s | %.1f %% | %.0f |%n", stage,
                100.0 * n / serverSamples, (double) n / serverSamples * serverNanos / 1e3 / certs)));

        md.append("\nTop frames (server threads, self time):\n\n| frame | share |\n|---|--:|\n");
        p.serverTopFrames().entrySet().stream().limit(15).forEach(e -> md.append(String.format(Locale.ROOT, "| `%s` | %.1f %% |%n",
                e.getKey(), 100.0 * e.getValue() / serverSamples)));
    }

    private static String cpuRow(String label, long nanos, long certs, long all) {
        return String.format(Locale.ROOT, "| %s | %.0f | %.1f %% |%n", label, nanos / 1e3 / certs, 100.0 * nanos / Math.max(1, all));
    }

    private static String tableRow(IssuanceLoad.Result r) {
        Histogram h = r.latency();
        long certs = Math.max(1, r.certificates());
        CpuMeter.Usage cpu = r.cpu();
        long client = cpu.javaThreadsNanos().entrySet().stream()
                .filter(e -> e.getKey().startsWith("bench-")).mapToLong(Map.Entry::getValue).sum();
        return String.format(Locale.ROOT, "| %s | %d | %s | %,.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d%s | %.0f (%s) | %.0f | %.0f %% | %.0f %% | %s |",
                r.door(), r.concurrency(), r.channels() == 0 ? "–" : String.valueOf(r.channels()), r.perSecond(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), r.errorCount(),
                r.errors().isEmpty() ? "" : " " + r.errors(), cpu.processNanos() / 1e3 / certs,
                r.channels() == 0 ? "callers do the CA's work" : String.format(Locale.ROOT, "%.0f", client / 1e3 / certs),
                cpu.postgresNanos() / 1e3 / certs, 100 * cpu.machineBusy(), 100 * cpu.otherShare(), integrity(r.integrity()));
    }

    private static String integrity(Map<String, Long> found) {
        Map<String, Long> kinds = new java.util.TreeMap<>(found);
        long checked = kinds.remove("checked") == null ? 0 : found.get("checked");
        long bad = kinds.remove("bad") == null ? 0 : found.get("bad");
        return String.format(Locale.ROOT, "%,d / %,d%s", bad, checked, kinds.isEmpty() ? "" : " " + kinds);
    }

    private static String row(IssuanceLoad.Result r) {
        Histogram h = r.latency();
        return String.format(Locale.ROOT, "%s, %d in flight: %,.0f certs/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, errors %d %s;"
                + " sampled certificates bad / checked: %s", r.door(), r.concurrency(), r.perSecond(), ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()), r.errorCount(), r.errors().isEmpty() ? "" : r.errors(),
                integrity(r.integrity()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
