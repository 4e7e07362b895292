package io.meshid.policy.bench;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.activation.PolicyVersion;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.decision.Decisions;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.FakeActivePolicies;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Thread CPU time per decision, for the {@code sliced} engine and the whole {@code service} path
 * (cache off), at the sizes of {@link DecisionBenchmark} and with its requests. CPU time, unlike
 * JMH's wall-clock time, barely moves when other processes share the cores, so before/after
 * comparisons hold on a busy machine; it does not see waits. Each round decides the 4,096
 * requests once per path; the first {@code bench.skip} rounds are warm-up; prints the median and
 * minimum of the rest. Not a unit test: run it with {@code policy-server/bench/run-decision-cpu.sh}.
 *
 * <p>System properties: {@code bench.policies} (1,200,2000), {@code bench.rounds} (12),
 * {@code bench.skip} (4), {@code bench.engine} ({@code java}, meshid's evaluator with native
 * fallback, or {@code native}, cedar-java for every decision).
 */
public final class DecisionCpuTime {

    private DecisionCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int rounds = Integer.getInteger("bench.rounds", 12);
        int skip = Integer.getInteger("bench.skip", 4);
        EngineKind engine = EngineKind.of(System.getProperty("bench.engine", "java"));
        for (String size : System.getProperty("bench.policies", "1,200,2000").split(",")) {
            GeneratedPolicies generated = GeneratedPolicies.of(Integer.parseInt(size.trim()));
            CompiledPolicySet compiled = generated.compile();
            List<MeshRequest> requests = generated.requests(4096, 42);
            DecisionRequest[] cedar = requests.stream().map(r -> CedarRequests.of(r, 1_796_000_000L)).toArray(DecisionRequest[]::new);
            FakeActivePolicies active = new FakeActivePolicies(DecisionBenchmark.SLICES, engine);
            // One engine for both paths, so that one set of cached slices serves them (the native cache is bounded).
            PolicyVersion version = active.activate(TrustDomain.of(GeneratedPolicies.DOMAIN), 1, compiled);
            PolicyConfig config = new PolicyConfig();
            config.setDecisionCacheSize(0);
            DecisionService service = Decisions.service(active, config, new NoDecisionLog(), new SimpleMeterRegistry(), Clock.systemUTC());
            SpiffeId admin = SpiffeId.parse("spiffe://" + GeneratedPolicies.DOMAIN + "/meshid/admin");
            double[] sliced = new double[rounds - skip];
            double[] whole = new double[rounds - skip];
            long allowed = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (DecisionRequest request : cedar) {
                    allowed += version.engine().decide(request).allowed() ? 1 : 0;
                }
                long t1 = threads.getCurrentThreadCpuTime();
                for (MeshRequest request : requests) {
                    allowed += service.check(admin, request).allowed() ? 1 : 0;
                }
                long t2 = threads.getCurrentThreadCpuTime();
                if (r >= skip) {
                    sliced[r - skip] = (t1 - t0) / 1000.0 / cedar.length;
                    whole[r - skip] = (t2 - t1) / 1000.0 / requests.size();
                }
            }
            Arrays.sort(sliced);
            Arrays.sort(whole);
            System.out.printf("%s engine, %s policies: CPU µs per decision, sliced median %.1f (min %.1f), service median %.1f (min %.1f) [%d allowed]%n",
                    engine.configName(), size.trim(), sliced[sliced.length / 2], sliced[0], whole[whole.length / 2], whole[0], allowed);
        }
    }
}
