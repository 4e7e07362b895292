package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.policy.slicing.EntityKey;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Issue point 9: sliced and full evaluation give the same decision, determining policies and
 * errors on generated requests, over a generated policy set with forbids, {@code in}
 * hierarchies (workload, namespace, region), unconstrained policies, conditions that can fail
 * and template links.
 */
class SlicedEvaluationDifferentialTest {

    private static final long SEED = 0x5eed_9L;
    private static final int STATIC_POLICIES = 200;
    private static final int LINKS = 24;
    /**
     * Requests per test: 3,000 in the normal suite (about a quarter of the module's time went to
     * 10,000), {@code -Dmeshid.test.differential.requests=10000} or more for a deeper run after a
     * change to the evaluator or a cedar-java upgrade. The seed is fixed, so a run repeats.
     */
    private static final int REQUESTS = Integer.getInteger("meshid.test.differential.requests", 3_000);

    private static final int REGIONS = 3;
    private static final int NAMESPACES = 8;
    private static final int WORKLOADS = 40;
    private static final int GROUPS = 5;
    private static final int SERVICES = 25;
    private static final List<String> ACTIONS = List.of("read", "write", "call", "delete", "health");

    private final Random random = new Random(SEED);

    @Test
    void slicedEvaluation_equalsFullEvaluation_onGeneratedRequests(TestReporter reporter) {
        CompiledPolicySet compiled = CompiledPolicySet.compile(staticPolicies(), templates(), links());
        PolicyEngine full = compiled.fullEvaluator();
        PolicyEngine sliced = compiled.slicedEvaluator(512);

        int allowed = 0;
        int deniedByForbid = 0;
        int defaultDeny = 0;
        int withErrors = 0;
        int allowedByLink = 0;
        long candidates = 0;
        long fullNanos = 0;
        long slicedNanos = 0;
        for (int i = 0; i < REQUESTS; i++) {
            DecisionRequest request = request();
            long start = System.nanoTime();
            Decision expected = full.decide(request);
            long middle = System.nanoTime();
            Decision actual = sliced.decide(request);
            fullNanos += middle - start;
            slicedNanos += System.nanoTime() - middle;
            assertThat(actual).as("request %d: %s", i, request).isEqualTo(expected);

            allowed += expected.allowed() ? 1 : 0;
            boolean clean = expected.errors().isEmpty();
            deniedByForbid += !expected.allowed() && clean && !expected.determiningPolicies().isEmpty() ? 1 : 0;
            defaultDeny += !expected.allowed() && clean && expected.determiningPolicies().isEmpty() ? 1 : 0;
            withErrors += expected.errors().isEmpty() ? 0 : 1;
            allowedByLink += expected.allowed() && expected.determiningPolicies().stream().anyMatch(p -> p.startsWith("link")) ? 1 : 0;
            candidates += candidateCount(compiled, request);
        }

        reporter.publishEntry(Map.of(
                "requests", String.valueOf(REQUESTS),
                "allowed", String.valueOf(allowed),
                "deniedByForbid", String.valueOf(deniedByForbid),
                "deniedByDefault", String.valueOf(defaultDeny),
                "withErrors", String.valueOf(withErrors),
                "allowedByLink", String.valueOf(allowedByLink),
                "meanSliceStaticPolicies", String.valueOf(candidates / (double) REQUESTS),
                "fullMicrosPerDecision", String.valueOf(fullNanos / 1000 / REQUESTS),
                "slicedMicrosPerDecision", String.valueOf(slicedNanos / 1000 / REQUESTS)));
        assertThat(allowed).as("allowed").isGreaterThan(REQUESTS / 20);
        assertThat(REQUESTS - allowed).as("denied").isGreaterThan(REQUESTS / 20);
        assertThat(deniedByForbid).as("denied by a forbid").isGreaterThan(REQUESTS / 50);
        assertThat(defaultDeny).as("denied by default").isGreaterThan(REQUESTS / 50);
        assertThat(withErrors).as("with evaluation errors").isGreaterThan(REQUESTS / 100);
        assertThat(allowedByLink).as("allowed by a template link").isGreaterThan(0);
        assertThat(candidates / REQUESTS).as("mean static policies per slice").isLessThan(STATIC_POLICIES / 2);
    }

    @Test
    void javaEvaluation_equalsNativeEvaluation_onGeneratedRequests() {
        CompiledPolicySet compiled = CompiledPolicySet.compile(staticPolicies(), templates(), links());
        assertThat(compiled.nativeOnlyPolicies()).isZero();
        List<DecisionRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(request());
        }

        JavaEvaluatorDifferentialTest.Tally tally = JavaEvaluatorDifferentialTest.compare(compiled, requests);

        assertThat(tally.allowed).as("allowed").isGreaterThan(REQUESTS / 20);
        assertThat(tally.forbidden).as("denied by a forbid").isGreaterThan(REQUESTS / 50);
        assertThat(tally.withErrors).as("with evaluation errors").isGreaterThan(REQUESTS / 100);
        assertThat(tally.allowedByLink).as("allowed by a template link").isGreaterThan(0);
    }

    private static long candidateCount(CompiledPolicySet compiled, DecisionRequest request) {
        Map<EntityRef, Set<EntityRef>> parents = new LinkedHashMap<>();
        request.entities().forEach(e -> parents.put(e.uid(), e.parents()));
        BitSet slice = compiled.index().candidates(
                key(request.principal()), ancestors(request.principal(), parents),
                key(request.resource()), ancestors(request.resource(), parents));
        return slice.cardinality();
    }

    private static Set<EntityKey> ancestors(EntityRef ref, Map<EntityRef, Set<EntityRef>> parents) {
        Set<EntityKey> out = new HashSet<>();
        List<EntityRef> todo = new ArrayList<>(parents.getOrDefault(ref, Set.of()));
        while (!todo.isEmpty()) {
            EntityRef next = todo.removeLast();
            if (out.add(key(next))) {
                todo.addAll(parents.getOrDefault(next, Set.of()));
            }
        }
        return out;
    }

    private static EntityKey key(EntityRef ref) {
        return new EntityKey(ref.type(), ref.id());
    }

    private Map<String, String> staticPolicies() {
        Map<String, String> policies = new LinkedHashMap<>();
        for (int i = 0; i < STATIC_POLICIES; i++) {
            // Forbids always carry a condition, so that some requests end in a default deny.
            boolean forbid = random.nextInt(10) < 2;
            String condition = forbid ? forbidCondition() : condition(5);
            policies.put("p" + i, (forbid ? "forbid" : "permit") + "(" + principalScope() + ", " + actionScope() + ", "
                    + resourceScope() + ")" + condition + ";");
        }
        return policies;
    }

    private String principalScope() {
        return switch (random.nextInt(8)) {
            case 0 -> "principal";
            case 1 -> "principal is Workload";
            case 2, 3 -> "principal == " + workload(random.nextInt(WORKLOADS));
            case 4, 5 -> "principal in " + namespace(random.nextInt(NAMESPACES));
            case 6 -> "principal in " + region(random.nextInt(REGIONS));
            default -> "principal is Workload in " + namespace(random.nextInt(NAMESPACES));
        };
    }

    private String resourceScope() {
        return switch (random.nextInt(6)) {
            case 0 -> "resource";
            case 1, 2 -> "resource == " + service(random.nextInt(SERVICES));
            case 3, 4 -> "resource in " + group(random.nextInt(GROUPS));
            default -> "resource is Service in " + group(random.nextInt(GROUPS));
        };
    }

    private String actionScope() {
        return switch (random.nextInt(4)) {
            case 0 -> "action";
            case 1 -> "action in [" + action(random.nextInt(ACTIONS.size())) + ", " + action(random.nextInt(ACTIONS.size())) + "]";
            default -> "action == " + action(random.nextInt(ACTIONS.size()));
        };
    }

    private String forbidCondition() {
        return random.nextBoolean()
                ? " when { context.level > " + (3 + random.nextInt(2)) + " }"
                : " when { resource.sensitive && context.readonly }";
    }

    private String condition(int bound) {
        return switch (random.nextInt(bound)) {
            case 0 -> " when { context.level > " + random.nextInt(5) + " }";
            case 1 -> " when { principal has tier && principal.tier == \"gold\" }";
            case 2 -> " unless { context.readonly }";
            case 3 -> " when { resource.sensitive }";
            default -> "";
        };
    }

    private static Map<String, String> templates() {
        return Map.of(
                "t-ns-to-service", "permit(principal in ?principal, action == Action::\"call\", resource == ?resource);",
                "t-deny-group", "forbid(principal == ?principal, action, resource in ?resource) when { context.level > 3 };");
    }

    private List<TemplateLinkSource> links() {
        List<TemplateLinkSource> links = new ArrayList<>();
        for (int i = 0; i < LINKS; i++) {
            links.add(i % 3 == 2
                    ? new TemplateLinkSource("link" + i, "t-deny-group", workloadRef(random.nextInt(WORKLOADS)),
                            groupRef(random.nextInt(GROUPS)))
                    : new TemplateLinkSource("link" + i, "t-ns-to-service", namespaceRef(random.nextInt(NAMESPACES)),
                            serviceRef(random.nextInt(SERVICES))));
        }
        return links;
    }

    private DecisionRequest request() {
        int w = random.nextInt(WORKLOADS + 2);
        int s = random.nextInt(SERVICES + 2);
        EntityRef principal = workloadRef(w);
        EntityRef resource = serviceRef(s);
        List<EntityData> entities = new ArrayList<>();
        // Workloads and services past the declared range have no entity data: their `in` is only themselves.
        if (w < WORKLOADS) {
            int ns = w % NAMESPACES;
            Map<String, Object> attrs = random.nextInt(5) == 0 ? Map.of() : Map.of("tier", random.nextBoolean() ? "gold" : "silver");
            Set<EntityRef> parents = random.nextInt(10) == 0
                    ? new java.util.LinkedHashSet<>(List.of(namespaceRef(ns), namespaceRef(random.nextInt(NAMESPACES))))
                    : Set.of(namespaceRef(ns));
            entities.add(new EntityData(principal, attrs, parents));
            for (EntityRef parent : parents) {
                int n = Integer.parseInt(parent.id().substring(2));
                entities.add(EntityData.of(parent, regionRef(n % REGIONS)));
            }
        }
        if (s < SERVICES) {
            Map<String, Object> attrs = random.nextInt(10) == 0 ? Map.of() : Map.of("sensitive", random.nextBoolean());
            entities.add(new EntityData(resource, attrs, Set.of(groupRef(s % GROUPS))));
        }
        Map<String, Object> context = new LinkedHashMap<>();
        int shape = random.nextInt(20);
        if (shape != 0) {
            context.put("level", shape == 1 ? (Object) "high" : (Object) (long) random.nextInt(6));
        }
        if (shape != 2) {
            context.put("readonly", random.nextInt(4) == 0);
        }
        return new DecisionRequest(principal, actionRef(random.nextInt(ACTIONS.size())), resource, context,
                dedupe(entities));
    }

    private static List<EntityData> dedupe(List<EntityData> entities) {
        Map<EntityRef, EntityData> byUid = new LinkedHashMap<>();
        entities.forEach(e -> byUid.putIfAbsent(e.uid(), e));
        return List.copyOf(byUid.values());
    }

    private static String workload(int i) {
        return workloadRef(i).toString();
    }

    private static String namespace(int i) {
        return namespaceRef(i).toString();
    }

    private static String region(int i) {
        return regionRef(i).toString();
    }

    private static String service(int i) {
        return serviceRef(i).toString();
    }

    private static String group(int i) {
        return groupRef(i).toString();
    }

    private static String action(int i) {
        return actionRef(i).toString();
    }

    private static EntityRef workloadRef(int i) {
        return new EntityRef("Workload", "w" + i);
    }

    private static EntityRef namespaceRef(int i) {
        return new EntityRef("Namespace", "ns" + i);
    }

    private static EntityRef regionRef(int i) {
        return new EntityRef("Region", "r" + i);
    }

    private static EntityRef serviceRef(int i) {
        return new EntityRef("Service", "s" + i);
    }

    private static EntityRef groupRef(int i) {
        return new EntityRef("Group", "g" + i);
    }

    private static EntityRef actionRef(int i) {
        return new EntityRef("Action", ACTIONS.get(i));
    }
}
