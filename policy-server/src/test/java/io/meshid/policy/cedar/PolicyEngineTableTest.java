package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyEngineTableTest {

    private static final Map<String, String> POLICIES = Map.of(
            "payments-read", """
                    permit(principal in Namespace::"payments", action == Action::"read", resource in Namespace::"payments");""",
            "deny-quarantined", """
                    forbid(principal, action, resource) when { principal has quarantined && principal.quarantined };""",
            "admin-all", """
                    permit(principal == Workload::"admin", action, resource);""",
            "public-health", """
                    permit(principal, action == Action::"health", resource);""",
            "no-delete-ledger", """
                    forbid(principal, action == Action::"delete", resource == Service::"ledger");""",
            "namespaced-type", """
                    permit(principal == meshid::Workload::"scoped", action == Action::"read", resource);""",
            "cache-write", """
                    permit(principal is Workload, action == Action::"write", resource == Service::"cache") when { context.level > 2 };""");
    private static final Map<String, String> TEMPLATES = Map.of(
            "ns-call", """
                    permit(principal in ?principal, action == Action::"call", resource == ?resource);""");
    private static final List<TemplateLinkSource> LINKS = List.of(new TemplateLinkSource(
            "billing-calls-ledger", "ns-call", ref("Namespace", "billing"), ref("Service", "ledger")));

    private static final CompiledPolicySet COMPILED = CompiledPolicySet.compile(POLICIES, TEMPLATES, LINKS);
    private static final PolicyEngine FULL = COMPILED.fullEvaluator();
    private static final PolicyEngine SLICED = COMPILED.slicedEvaluator(64);
    private static final PolicyEngine JAVA = COMPILED.engine(EngineKind.JAVA, 64);

    private static final List<EntityData> ENTITIES = List.of(
            EntityData.of(ref("Workload", "api"), ref("Namespace", "payments")),
            EntityData.of(ref("Workload", "biller"), ref("Team", "invoices")),
            EntityData.of(ref("Team", "invoices"), ref("Namespace", "billing")),
            new EntityData(ref("Workload", "rogue"), Map.of("quarantined", true), java.util.Set.of(ref("Namespace", "payments"))),
            EntityData.of(ref("Service", "db"), ref("Namespace", "payments")),
            EntityData.of(ref("Service", "ledger")),
            EntityData.of(ref("Service", "cache")));

    record Case(String name, String principal, String action, String resource, Map<String, Object> context,
            boolean allowed, List<String> determining, String errorMention) {}

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("permit through in on both sides", "api", "read", "db", Map.of(), true, List.of("payments-read"), null),
                new Case("no policy matches: default deny", "api", "write", "db", Map.of(), false, List.of(), null),
                new Case("forbid beats a matching permit", "admin", "delete", "ledger", Map.of(), false, List.of("no-delete-ledger"), null),
                new Case("principal == permit", "admin", "read", "ledger", Map.of(), true, List.of("admin-all"), null),
                new Case("unconstrained principal and resource", "biller", "health", "cache", Map.of(), true, List.of("public-health"), null),
                new Case("unconstrained forbid on attribute", "rogue", "read", "db", Map.of(), false, List.of("deny-quarantined"), null),
                new Case("template link through two levels of in", "biller", "call", "ledger", Map.of(), true, List.of("billing-calls-ledger"), null),
                new Case("template link does not match another namespace", "api", "call", "ledger", Map.of(), false, List.of(), null),
                new Case("link does not match another resource", "biller", "call", "db", Map.of(), false, List.of(), null),
                new Case("namespaced entity type", "meshid::Workload:scoped", "read", "ledger", Map.of(), true, List.of("namespaced-type"), null),
                new Case("condition on context holds", "api", "write", "cache", Map.of("level", 3L), true, List.of("cache-write"), null),
                new Case("condition on context fails", "api", "write", "cache", Map.of("level", 1L), false, List.of(), null),
                new Case("evaluation error denies and is reported", "api", "write", "cache", Map.of("level", "high"), false, List.of(), "cache-write"),
                new Case("missing context attribute is an error", "api", "write", "cache", Map.of(), false, List.of(), "cache-write"))
                .map(c -> Arguments.of(c.name(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decide_fullAndSliced_giveTheExpectedDecision(String name, Case c) {
        DecisionRequest request = request(c);

        for (PolicyEngine engine : List.of(FULL, SLICED, JAVA)) {
            Decision decision = engine.decide(request);
            assertThat(decision.allowed()).as(name).isEqualTo(c.allowed());
            assertThat(decision.determiningPolicies()).as(name).isEqualTo(c.determining());
            if (c.errorMention() == null) {
                assertThat(decision.errors()).as(name).isEmpty();
            } else {
                assertThat(decision.errors()).as(name).anySatisfy(e -> assertThat(e).contains(c.errorMention()));
            }
        }
    }

    @Test
    void decide_fromTwoThreads_givesTheSameDecisions() throws Exception {
        List<Case> all = cases().map(a -> (Case) a.get()[1]).toList();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<List<Decision>>> runs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                runs.add(pool.submit(() -> {
                    List<Decision> out = new ArrayList<>();
                    for (int round = 0; round < 20; round++) {
                        for (Case c : all) {
                            out.add(SLICED.decide(request(c)));
                            out.add(JAVA.decide(request(c)));
                        }
                    }
                    return out;
                }));
            }
            List<Decision> first = runs.get(0).get();
            assertThat(runs.get(1).get()).isEqualTo(first);
            for (int i = 0; i < first.size(); i++) {
                assertThat(first.get(i).allowed()).isEqualTo(all.get(i / 2 % all.size()).allowed());
            }
        }
    }

    private static DecisionRequest request(Case c) {
        String[] principal = c.principal().split(":(?=[^:]+$)");
        EntityRef who = principal.length == 2 ? ref(principal[0], principal[1]) : ref("Workload", c.principal());
        return new DecisionRequest(who, ref("Action", c.action()), ref("Service", c.resource()), c.context(), ENTITIES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidTypes")
    void decide_withInvalidEntityType_deniesWithError(String type) {
        DecisionRequest request = new DecisionRequest(ref(type, "x"), ref("Action", "health"), ref("Service", "db"), Map.of(), List.of());

        for (PolicyEngine engine : List.of(FULL, SLICED, JAVA)) {
            Decision decision = engine.decide(request);
            assertThat(decision.allowed()).isFalse();
            assertThat(decision.errors()).singleElement().asString().contains(type);
        }
    }

    static Stream<String> invalidTypes() {
        return Stream.of("not a type", "1Workload", "Workload::");
    }

    static EntityRef ref(String type, String id) {
        return new EntityRef(type, id);
    }
}
