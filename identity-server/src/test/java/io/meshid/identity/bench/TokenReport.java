package io.meshid.identity.bench;

import io.meshid.common.bench.ClosedLoop;
import io.meshid.common.bench.CpuMeter;
import io.meshid.common.bench.Machine;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The token benchmark's report: one Markdown row per rpc and load level, ready to paste into
 * docs/benchmarks.md, with the CPU per call of this JVM (identity-server and the load client), of
 * the CA's process and of PostgreSQL. The client part is the load client's threads
 * ({@code bench-*}: its event loop and its channels' offload threads, where their TLS handshake
 * tasks run); the JVM's own threads (JIT compilers, GC) are shown apart, since they are neither
 * server nor client code and are largest while the code is still being compiled. Not thread-safe.
 */
final class TokenReport {

    private record Row(ClosedLoop.Result result, long redisNanos) {
    }

    private final String command;
    private final String database;
    private final String store;
    private final int workloads;
    private final List<Row> rows = new ArrayList<>();

    TokenReport(String command, String database, String store, int workloads) {
        this.command = command;
        this.database = database;
        this.store = store;
        this.workloads = workloads;
    }

    void add(ClosedLoop.Result r, long redisNanos) {
        rows.add(new Row(r, redisNanos));
        Histogram h = r.latency();
        TokenBenchmark.log(String.format(Locale.ROOT, "%s, %d in flight: %,.0f calls/s, p50 %.2f ms, p99 %.2f ms, errors %d %s",
                r.name(), r.concurrency(), r.perSecond(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                r.errorCount(), r.errors().isEmpty() ? "" : r.errors()));
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Machine: ").append(Machine.describe()).append("  \n");
        md.append("Date: ").append(LocalDate.now()).append("; database: ").append(database).append("; shared store: ").append(store)
                .append("  \n");
        md.append("Command: `").append(command).append("`  \n");
        md.append("identity-server and the load client share this JVM; the CA is its own process; all on the machine's ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores. ").append(workloads)
                .append(" workloads, one mTLS channel each (Attest: 4 TLS channels without client certificate). Closed loop.\n\n");
        md.append("| rpc | in flight | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | JVM CPU µs/call (client part; JIT, GC and other VM threads) "
                + "| CA CPU µs/call | PostgreSQL CPU µs/call, every process (this benchmark's backends and WAL/background writers) "
                + "| Redis CPU µs/call | machine busy | other processes |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Row row : rows) {
            ClosedLoop.Result r = row.result();
            Histogram h = r.latency();
            long calls = Math.max(1, r.calls());
            CpuMeter.Usage cpu = r.cpu();
            long client = cpu.javaThreadsNanos().entrySet().stream().filter(e -> e.getKey().startsWith("bench-"))
                    .mapToLong(Map.Entry::getValue).sum();
            md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d%s | %.0f (%.0f; %.0f) | %.0f | %.0f (%.0f) | %.1f | %.0f %% | %.0f %% |%n",
                    r.name(), r.concurrency(), r.perSecond(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), r.errorCount(),
                    r.errors().isEmpty() ? "" : " " + r.errors(), cpu.processNanos() / 1e3 / calls, client / 1e3 / calls, cpu.vmInternalNanos() / 1e3 / calls,
                    cpu.meteredProcessNanos() / 1e3 / calls, cpu.postgresNanos() / 1e3 / calls, cpu.ownPostgresNanos() / 1e3 / calls, row.redisNanos() / 1e3 / calls,
                    100 * cpu.machineBusy(), 100 * cpu.otherShare()));
        }
        return md.toString();
    }

    /**
     * One table of every rpc and level, each mode's calls/s, p99 and CPU per call side by side,
     * with Redis mode's rate as a share of in-process mode's (the goal: at least 90 %).
     */
    static String sideBySide(List<TokenReport> reports) {
        StringBuilder md = new StringBuilder(header(reports, "calls/s | p99 ms | CPU µs/call JVM / PostgreSQL / Redis"));
        boolean ratio = reports.size() == 2;
        for (int i = 0; i < reports.getFirst().rows.size(); i++) {
            ClosedLoop.Result first = reports.getFirst().rows.get(i).result();
            md.append("| ").append(first.name()).append(" | ").append(first.concurrency());
            for (TokenReport report : reports) {
                Row row = i < report.rows.size() ? report.rows.get(i) : null;
                if (row == null) {
                    md.append(" | - | - | -");
                    continue;
                }
                ClosedLoop.Result r = row.result();
                long calls = Math.max(1, r.calls());
                md.append(String.format(Locale.ROOT, " | %,.0f | %.2f | %.0f / %.0f / %.1f", r.perSecond(),
                        ms(r.latency().getValueAtPercentile(99)), r.cpu().processNanos() / 1e3 / calls,
                        r.cpu().ownPostgresNanos() / 1e3 / calls, row.redisNanos() / 1e3 / calls));
            }
            if (ratio && i < reports.get(1).rows.size()) {
                md.append(String.format(Locale.ROOT, " | %.0f %%", 100 * reports.get(1).rows.get(i).result().perSecond()
                        / Math.max(1e-9, first.perSecond())));
            }
            md.append(" |\n");
        }
        return md.append(meanOverRounds(reports)).toString();
    }

    /**
     * The head of a side-by-side table: rpc and level, then each mode's three {@code columns} under
     * its store's name, and with two modes the second's share of the first.
     */
    private static String header(List<TokenReport> reports, String columns) {
        StringBuilder md = new StringBuilder("| rpc | in flight");
        StringBuilder rule = new StringBuilder("|---|--:");
        for (TokenReport r : reports) {
            md.append(" | ").append(r.store).append(": ").append(columns);
            rule.append("|--:|--:|--:");
        }
        boolean ratio = reports.size() == 2;
        return md.append(ratio ? " | second / first |\n" : " |\n").append(rule).append(ratio ? "|--:|\n" : "|\n").toString();
    }

    /**
     * With several rounds ({@code bench.rounds}): per rpc and level, each mode's mean calls/s over
     * its rounds and its highest p99, and the ratio of the means; empty with one round.
     */
    private static String meanOverRounds(List<TokenReport> reports) {
        java.util.Map<String, List<List<ClosedLoop.Result>>> groups = new java.util.LinkedHashMap<>();
        boolean rounds = false;
        for (int m = 0; m < reports.size(); m++) {
            for (Row row : reports.get(m).rows) {
                String name = row.result().name();
                int round = name.indexOf(" (round ");
                rounds |= round >= 0;
                String key = (round >= 0 ? name.substring(0, round) : name) + " | " + row.result().concurrency();
                List<List<ClosedLoop.Result>> perMode = groups.computeIfAbsent(key, k -> new ArrayList<>());
                while (perMode.size() < reports.size()) {
                    perMode.add(new ArrayList<>());
                }
                perMode.get(m).add(row.result());
            }
        }
        if (!rounds) {
            return "";
        }
        StringBuilder md = new StringBuilder("\nMean over the rounds (each mode's windows alternating with the other's):\n\n")
                .append(header(reports, "rounds | mean calls/s | highest p99 ms"));
        boolean ratio = reports.size() == 2;
        groups.forEach((key, perMode) -> {
            md.append("| ").append(key);
            double[] means = new double[perMode.size()];
            for (int m = 0; m < perMode.size(); m++) {
                List<ClosedLoop.Result> results = perMode.get(m);
                means[m] = results.stream().mapToDouble(ClosedLoop.Result::perSecond).average().orElse(0);
                double p99 = results.stream().mapToDouble(r -> ms(r.latency().getValueAtPercentile(99))).max().orElse(0);
                md.append(String.format(Locale.ROOT, " | %d | %,.0f | %.2f", results.size(), means[m], p99));
            }
            if (ratio) {
                md.append(String.format(Locale.ROOT, " | %.0f %%", 100 * means[1] / Math.max(1e-9, means[0])));
            }
            md.append(" |\n");
        });
        return md.toString();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
