package io.meshid.identity.bench;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.exchange.ExchangeInput;
import io.meshid.identity.exchange.TokenExchange;
import io.meshid.identity.jwt.JwtSvids;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.micronaut.context.ApplicationContext;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Thread CPU time per token operation of identity-server's domain services, in-process (no gRPC,
 * no TLS): {@code mint} is {@link JwtSvids#mint} (entry from the cache, ES256 signature, audit
 * queued); {@code exchange (same subject)} is {@link TokenExchange#exchange} of one JWT-SVID
 * presented again and again, as the load benchmark's workloads do; {@code exchange (fresh
 * subject)} presents every subject token once (minted before the timed loop). CPU time, unlike
 * wall-clock time, barely moves when other processes share the cores, so before/after
 * comparisons hold on a busy machine; it does not see waits, nor the audit writer's thread. Each
 * round runs {@code bench.calls} of each; the first {@code bench.skip} rounds are warm-up; prints
 * the median and minimum of the rest. Not a unit test: run it with
 * {@code identity-server/bench/run-token-cpu.sh}.
 *
 * <p>System properties: {@code bench.calls} (2000), {@code bench.rounds} (14), {@code bench.skip} (4).
 */
public final class TokenCpuTime {

    private static final String TD = "cpu.test";
    private static final SpiffeId API = SpiffeId.parse("spiffe://cpu.test/ns/shop/sa/api");
    private static final String DB = "spiffe://cpu.test/ns/shop/sa/db";
    private static final String JWT = "urn:ietf:params:oauth:token-type:jwt";

    private TokenCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int calls = Integer.getInteger("bench.calls", 2000);
        int rounds = Integer.getInteger("bench.rounds", 14);
        int skip = Integer.getInteger("bench.skip", 4);
        try (TestDatabase db = TestDatabase.h2();
                ApplicationContext context = ApplicationContext.builder().properties(JwtTestContexts.properties(db, TD)).start()) {
            context.getBean(Registry.class).createEntry(new EntryParams(API, List.of(), Optional.empty(),
                    Optional.of(Duration.ofHours(1)), List.of(), false, "bench"));
            JwtSvids svids = context.getBean(JwtSvids.class);
            TokenExchange exchange = context.getBean(TokenExchange.class);
            JwtSvids.MintParams mint = new JwtSvids.MintParams(API, List.of(API.toString()), Optional.empty());
            ExchangeInput same = input(svids.mint(mint).token());
            double[] mints = new double[rounds - skip];
            double[] hot = new double[rounds - skip];
            double[] cold = new double[rounds - skip];
            long sink = 0;
            for (int r = 0; r < rounds; r++) {
                ExchangeInput[] fresh = new ExchangeInput[calls];
                for (int i = 0; i < calls; i++) {
                    fresh[i] = input(svids.mint(mint).token());
                }
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    sink += svids.mint(mint).token().length();
                }
                long t1 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    sink += exchange.exchange(same).token().length();
                }
                long t2 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    sink += exchange.exchange(fresh[i]).token().length();
                }
                long t3 = threads.getCurrentThreadCpuTime();
                if (r >= skip) {
                    mints[r - skip] = (t1 - t0) / 1000.0 / calls;
                    hot[r - skip] = (t2 - t1) / 1000.0 / calls;
                    cold[r - skip] = (t3 - t2) / 1000.0 / calls;
                }
            }
            System.out.printf("CPU µs per call over %d rounds of %d: mint median %.1f (min %.1f); exchange (same subject) median %.1f "
                    + "(min %.1f); exchange (fresh subject) median %.1f (min %.1f) [%d]%n", rounds - skip, calls, median(mints),
                    min(mints), median(hot), min(hot), median(cold), min(cold), sink);
        }
    }

    private static ExchangeInput input(String subject) {
        return new ExchangeInput(API, subject, JWT, "", "", List.of(DB), List.of(), List.of(), "");
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }
}
