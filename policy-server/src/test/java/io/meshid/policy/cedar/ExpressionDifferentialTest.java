package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.errors.MeshidException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Expression-level differential test with a fixed seed: random small expressions over longs,
 * strings, booleans, entities (with a hierarchy), sets and records, each the condition of its own
 * forbid, so that a decision shows, per expression, whether it was true (determining), false, or
 * an error (and Cedar's message); evaluated by the Java evaluator and by native cedar-java on
 * requests whose context and entities vary (missing keys, wrong types, values near overflow).
 */
class ExpressionDifferentialTest {

    private static final long SEED = 0xE5_7E57L;
    private static final int SETS = 200;
    private static final int PER_SET = 40;
    private static final int REQUESTS_PER_SET = 6;

    private final Random random = new Random(SEED);

    @Test
    void randomExpressions_evaluateAsInCedar() {
        RandomExpressions expressions = new RandomExpressions(random);
        int compared = 0;
        int unparsable = 0;
        int trueCount = 0;
        int errorCount = 0;
        for (int s = 0; s < SETS; s++) {
            Map<String, String> policies = new LinkedHashMap<>();
            for (int p = 0; p < PER_SET; p++) {
                policies.put("e" + s + "-" + p, "forbid(principal, action, resource) when { " + expressions.bool(4) + " };");
            }
            CompiledPolicySet compiled = compileParsable(policies);
            unparsable += PER_SET - compiled.size();
            assertThat(compiled.nativeOnlyPolicies()).isZero();
            PolicyEngine nativeEngine = compiled.slicedEvaluator(4);
            for (int r = 0; r < REQUESTS_PER_SET; r++) {
                DecisionRequest request = request();
                Decision expected = nativeEngine.decide(request);
                assertThat(compiled.javaPolicies().decide(request)).as("set %d request %s policies %s", s, request, policies)
                        .isEqualTo(expected);
                compared += compiled.size();
                trueCount += expected.determiningPolicies().size();
                errorCount += expected.errors().size();
            }
        }
        assertThat(compared).isGreaterThan(10_000);
        assertThat(unparsable).as("expressions Cedar did not parse").isLessThan(SETS * PER_SET / 20);
        assertThat(trueCount).as("true").isGreaterThan(compared / 10);
        assertThat(errorCount).as("errors").isGreaterThan(compared / 10);
        assertThat(compared - trueCount - errorCount).as("false").isGreaterThan(compared / 10);
    }

    private static CompiledPolicySet compileParsable(Map<String, String> policies) {
        try {
            return CompiledPolicySet.compile(policies, Map.of(), List.of());
        } catch (MeshidException.InvalidArgument e) {
            Map<String, String> parsable = new LinkedHashMap<>();
            policies.forEach((id, text) -> {
                try {
                    CompiledPolicySet.compile(Map.of(id, text), Map.of(), List.of());
                    parsable.put(id, text);
                } catch (MeshidException.InvalidArgument ignored) {
                    // Counted by the caller: the generator may write what Cedar's grammar refuses.
                }
            });
            return CompiledPolicySet.compile(parsable, Map.of(), List.of());
        }
    }

    private DecisionRequest request() {
        EntityRef principal = new EntityRef("Workload", random.nextInt(4) == 0 ? "w2" : "w1");
        EntityRef resource = new EntityRef("Service", "s1");
        List<EntityData> entities = new ArrayList<>();
        Map<String, Object> attrs = new LinkedHashMap<>();
        maybe(attrs, "name", pickString());
        maybe(attrs, "n", (long) random.nextInt(7) - 3);
        maybe(attrs, "flag", random.nextBoolean());
        maybe(attrs, "tags", List.of("a", pickString()));
        entities.add(new EntityData(new EntityRef("Workload", "w1"), attrs, Set.of(new EntityRef("Namespace", "ns1"))));
        entities.add(EntityData.of(new EntityRef("Namespace", "ns1"), new EntityRef("Region", "r1")));
        if (random.nextInt(5) > 0) {
            entities.add(new EntityData(resource, Map.of("owner", new EntityRef("Workload", random.nextBoolean() ? "w1" : "w2")),
                    Set.of()));
        }
        Map<String, Object> context = new LinkedHashMap<>();
        maybe(context, "i", (long) random.nextInt(11) - 5);
        maybe(context, "j", random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(3) : Long.MIN_VALUE + random.nextInt(3));
        maybe(context, "k", random.nextBoolean() ? (Object) "7" : (Object) 7L);
        maybe(context, "s", pickString());
        maybe(context, "b", random.nextBoolean());
        maybe(context, "set", List.of((long) random.nextInt(3), 2L, 2L));
        maybe(context, "es", List.of(new EntityRef("Namespace", "ns1"), principal));
        maybe(context, "r", Map.of("n", (long) random.nextInt(3), "s", pickString(), "inner", Map.of("l", List.of(1L))));
        maybe(context, "e", random.nextBoolean() ? new EntityRef("Workload", "w1") : new EntityRef("Region", "r1"));
        return new DecisionRequest(principal, new EntityRef("Action", "call"), resource, context, entities);
    }

    private void maybe(Map<String, Object> into, String key, Object value) {
        if (random.nextInt(8) > 0) {
            into.put(key, value);
        }
    }

    private String pickString() {
        return List.of("", "a", "ab*", "abc", "b\\a", "aXbYc", "ab", "xyzc").get(random.nextInt(8));
    }
}
