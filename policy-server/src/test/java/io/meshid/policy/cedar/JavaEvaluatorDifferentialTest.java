package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.policy.bench.GeneratedPolicies;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.Requests;
import io.meshid.policy.testing.StarterPolicies;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java evaluator decides exactly as cedar-java's native engine: same decision, determining
 * policies and errors (messages included), on the generated benchmark sets (with template links)
 * and on the starter set, with requests of the shapes of its table plus policies that fail to
 * evaluate. {@code SlicedEvaluationDifferentialTest} does the same on a set with forbids, {@code
 * in} hierarchies, unconstrained policies and errors. Every request here is decided by the Java
 * evaluator itself, never by its native fallback.
 */
class JavaEvaluatorDifferentialTest {

    private static final long TIME = 1_796_126_400L;

    @ParameterizedTest(name = "{0} policies")
    @ValueSource(ints = {200, 2000})
    void javaEvaluator_equalsNative_onGeneratedSets(int size) {
        GeneratedPolicies generated = GeneratedPolicies.of(size);
        CompiledPolicySet compiled = generated.compile();
        assertThat(compiled.nativeOnlyPolicies()).isZero();

        Tally tally = compare(compiled, generated.requests(5_000, size).stream().map(r -> CedarRequests.of(r, TIME)).toList());

        assertThat(tally.allowed).isGreaterThan(1_000);
        assertThat(tally.allowedByLink).isGreaterThan(100);
        assertThat(tally.denied).isGreaterThan(500);
    }

    @Test
    void javaEvaluator_equalsNative_onStarterSetWithFailingPolicies() throws Exception {
        Map<String, String> policies = new LinkedHashMap<>(StarterPolicies.policies(StarterPolicies.STARTER));
        // Fail for IDs without a namespace, and for requests without the attribute.
        policies.put("shop-puts", "permit(principal, action == Action::\"PUT\", resource) when { principal.namespace == \"shop\" };");
        policies.put("levels", "forbid(principal, action, resource) when { context.attributes.level > 3 };");
        CompiledPolicySet compiled = CompiledPolicySet.compile(policies, StarterPolicies.templates(StarterPolicies.STARTER),
                StarterPolicies.links(StarterPolicies.STARTER));
        assertThat(compiled.nativeOnlyPolicies()).isZero();
        Random random = new Random(0x5747L);

        Tally tally = compare(compiled, java.util.stream.IntStream.range(0, 4_000)
                .mapToObj(i -> CedarRequests.of(starterRequest(random), TIME)).toList());

        assertThat(tally.allowed).isGreaterThan(200);
        assertThat(tally.forbidden).isGreaterThan(200);
        assertThat(tally.withErrors).isGreaterThan(200);
    }

    private static final String TD = "spiffe://meshid.local";
    private static final List<String> WORKLOADS = List.of(TD + "/ns/payments/sa/api", TD + "/ns/payments/sa/ledger",
            TD + "/ns/shop/sa/frontend", TD + "/ns/shop/sa/checkout", TD + "/ns/ops/sa/prometheus", TD + "/meshid/admin",
            TD + "/legacy/worker", "spiffe://other.test/ns/payments/sa/api");
    private static final List<String> ACTIONS = List.of("/grpc.health.v1.Health/Check", "/payments.v1.Payments/Charge",
            "/payments.v1.Payments/Refund", "GET", "HEAD", "POST", "PUT", "DELETE", "get", "/unknown.v1.Thing/Do");
    private static final List<String> PATHS = List.of("/", "/metrics", "/orders", "/cart", "/admin/users", "/admin/x");
    private static final List<String> SOURCES = List.of("", "10.1.2.3", "10.0.0.1", "192.168.1.1", "2001:db8::1");

    private static MeshRequest starterRequest(Random random) {
        Map<String, String> headers = switch (random.nextInt(4)) {
            case 0 -> Map.of("content-type", "application/grpc");
            case 1 -> Map.of("content-type", "application/json");
            default -> Map.of();
        };
        Map<String, Object> attributes = switch (random.nextInt(6)) {
            case 0 -> Map.of("tenant", "acme");
            case 1 -> Map.of("tenant", "globex", "level", (long) random.nextInt(6));
            case 2 -> Map.of("tenant", 7L, "level", "high");
            case 3, 4 -> Map.of("level", (long) random.nextInt(6));
            default -> Map.of();
        };
        return Requests.request(pick(random, WORKLOADS), pick(random, ACTIONS), pick(random, WORKLOADS), pick(random, PATHS),
                headers, pick(random, SOURCES), attributes);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Decides every request both ways, asserts equality, and counts the kinds of outcome. */
    static Tally compare(CompiledPolicySet compiled, List<DecisionRequest> requests) {
        PolicyEngine nativeEngine = compiled.slicedEvaluator(1024);
        Tally tally = new Tally();
        for (int i = 0; i < requests.size(); i++) {
            DecisionRequest request = requests.get(i);
            Decision expected = nativeEngine.decide(request);
            Decision actual = compiled.javaPolicies().decide(request);
            assertThat(actual).as("request %d: %s", i, request).isEqualTo(expected);
            tally.count(expected);
        }
        return tally;
    }

    static final class Tally {
        int allowed;
        int allowedByLink;
        int forbidden;
        int denied;
        int withErrors;

        void count(Decision decision) {
            allowed += decision.allowed() ? 1 : 0;
            allowedByLink += decision.allowed() && decision.determiningPolicies().stream().anyMatch(p -> p.startsWith("link")) ? 1 : 0;
            forbidden += !decision.allowed() && !decision.determiningPolicies().isEmpty() ? 1 : 0;
            denied += decision.allowed() ? 0 : 1;
            withErrors += decision.errors().isEmpty() ? 0 : 1;
        }
    }
}
