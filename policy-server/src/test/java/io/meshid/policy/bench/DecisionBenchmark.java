package io.meshid.policy.bench;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.cedar.PolicyEngine;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.decision.Decisions;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.FakeActivePolicies;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Per-decision cost (JMH, average time) at 1, 200 and 2,000 generated policies
 * ({@link GeneratedPolicies}, with template links), for: {@code full} (Cedar over every policy),
 * {@code sliced} (only the policies whose scope can match), {@code service} (the whole decision
 * path, mapping included, cache off: what an uncached Check costs past gRPC) and {@code cached}
 * (the decision path answering repeated requests from its cache). Requests cycle through a pool
 * of 4,096 distinct ones (256 for {@code cached}). {@code sliced}, {@code service} and {@code cached}
 * run with the evaluator named by the {@code engine} parameter ({@code java}: meshid's Java
 * evaluator, native for what it cannot decide; {@code native}: cedar-java for every decision);
 * {@code full} is always native. Not a unit test: run it with
 * {@code policy-server/bench/run-decision-jmh.sh}.
 *
 * <p>System properties of {@link #main}: {@code bench.policies} (1,200,2000), {@code bench.modes}
 * (full,sliced,service,cached), {@code bench.forks} (2), {@code bench.warmup} (5 iterations),
 * {@code bench.iterations} (5), {@code bench.time} (seconds per iteration, 2), {@code bench.threads} (1),
 * {@code bench.engines} (java), {@code bench.out} (folder of the JSON result).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecisionBenchmark {

    /** Cached slices per thread: one per service of the largest set (500), below the native cache's 1,024. */
    static final int SLICES = 600;

    @Param({"1", "200", "2000"})
    public int policies;

    @Param({"full", "sliced", "service", "cached"})
    public String mode;

    @Param({"java"})
    public String engineKind;

    private PolicyEngine engine;
    private DecisionService service;
    private SpiffeId admin;
    private List<MeshRequest> requests;
    private DecisionRequest[] cedarRequests;

    @Setup(Level.Trial)
    public void setUp() {
        GeneratedPolicies generated = GeneratedPolicies.of(policies);
        CompiledPolicySet compiled = generated.compile();
        requests = generated.requests(mode.equals("cached") ? 256 : 4096, 42);
        cedarRequests = requests.stream().map(r -> CedarRequests.of(r, 1_796_000_000L)).toArray(DecisionRequest[]::new);
        EngineKind kind = EngineKind.of(engineKind);
        engine = mode.equals("full") ? compiled.fullEvaluator() : compiled.engine(kind, SLICES);
        FakeActivePolicies active = new FakeActivePolicies(SLICES, kind);
        active.activate(TrustDomain.of(GeneratedPolicies.DOMAIN), 1, compiled);
        PolicyConfig config = new PolicyConfig();
        if (!mode.equals("cached")) {
            config.setDecisionCacheSize(0);
        }
        service = Decisions.service(active, config, new NoDecisionLog(), new SimpleMeterRegistry(), Clock.systemUTC());
        admin = SpiffeId.parse("spiffe://" + GeneratedPolicies.DOMAIN + "/meshid/admin");
    }

    /** Which request a thread decides next. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    public boolean decide(Cursor cursor) {
        int i = cursor.next++ & (cedarRequests.length - 1);
        return switch (mode) {
            case "full", "sliced" -> engine.decide(cedarRequests[i]).allowed();
            default -> service.check(admin, requests.get(i)).allowed();
        };
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(System.getProperty("bench.out", "policy-server/target/bench"));
        Files.createDirectories(out);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(DecisionBenchmark.class.getName() + ".decide")
                .param("policies", System.getProperty("bench.policies", "1,200,2000").split(","))
                .param("mode", System.getProperty("bench.modes", "full,sliced,service,cached").split(","))
                .param("engineKind", System.getProperty("bench.engines", "java").split(","))
                .forks(Integer.getInteger("bench.forks", 2))
                .warmupIterations(Integer.getInteger("bench.warmup", 5))
                .warmupTime(TimeValue.seconds(Integer.getInteger("bench.time", 2)))
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(TimeValue.seconds(Integer.getInteger("bench.time", 2)))
                .threads(Integer.getInteger("bench.threads", 1))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g")
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("decision-jmh.json").toString());
        new Runner(options.build()).run();
    }
}
