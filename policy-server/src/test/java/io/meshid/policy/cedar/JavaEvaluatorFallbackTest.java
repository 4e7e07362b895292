package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where the Java evaluator does not decide: slices holding a policy outside its subset, and
 * requests only Cedar can judge. Both go to the native engine, so the answer stays Cedar's.
 */
class JavaEvaluatorFallbackTest {

    private static final Map<String, String> POLICIES = Map.of(
            "edge-from-cluster", """
                    permit(principal, action, resource == Service::"edge") when { ip(context.addr).isInRange(ip("10.0.0.0/8")) };""",
            "core-get", """
                    permit(principal, action == Action::"GET", resource == Service::"core");""",
            "core-no-delete", """
                    forbid(principal, action == Action::"DELETE", resource in Group::"core");""");
    private static final CompiledPolicySet COMPILED = CompiledPolicySet.compile(POLICIES, Map.of(), List.of());
    private static final PolicyEngine JAVA = COMPILED.engine(EngineKind.JAVA, 16);
    private static final PolicyEngine NATIVE = COMPILED.engine(EngineKind.NATIVE, 16);

    @Test
    void unsupportedPolicy_sendsOnlyItsSliceToNative() {
        DecisionRequest edge = request("Service", "edge", "GET", Map.of("addr", "10.1.2.3"));
        DecisionRequest outside = request("Service", "edge", "GET", Map.of("addr", "192.168.0.1"));
        DecisionRequest core = request("Service", "core", "GET", Map.of("addr", "10.1.2.3"));

        assertThat(COMPILED.nativeOnlyPolicies()).isEqualTo(1);
        assertThat(COMPILED.javaPolicies().decide(edge)).as("the ip() slice is not Java's").isNull();
        assertThat(JAVA.decide(edge)).isEqualTo(new Decision(true, List.of("edge-from-cluster"), List.of()));
        assertThat(JAVA.decide(outside)).isEqualTo(new Decision(false, List.of(), List.of()));
        assertThat(COMPILED.javaPolicies().decide(core)).isEqualTo(new Decision(true, List.of("core-get"), List.of()));
    }

    @Test
    void unsupportedUnconstrainedPolicy_sendsEverySliceToNative() {
        CompiledPolicySet compiled = CompiledPolicySet.compile(Map.of(
                "cheap", "permit(principal, action, resource) when { decimal(context.price).lessThan(decimal(\"1.50\")) };",
                "core-get", "permit(principal, action == Action::\"GET\", resource == Service::\"core\");"), Map.of(), List.of());
        DecisionRequest request = request("Service", "core", "POST", Map.of("price", "1.25"));

        assertThat(compiled.javaPolicies().decide(request)).isNull();
        assertThat(compiled.engine(EngineKind.JAVA, 4).decide(request)).isEqualTo(new Decision(true, List.of("cheap"), List.of()));
    }

    @Test
    void linkOfUnsupportedTemplate_isDecidedNatively() {
        CompiledPolicySet compiled = CompiledPolicySet.compile(Map.of(), Map.of(
                "from-cluster", "permit(principal == ?principal, action, resource) when { ip(context.addr).isIpv4() };"),
                List.of(new TemplateLinkSource("w-from-cluster", "from-cluster", new EntityRef("Workload", "w"), null)));
        DecisionRequest request = request("Service", "core", "GET", Map.of("addr", "10.0.0.1"));

        assertThat(compiled.nativeOnlyPolicies()).isEqualTo(1);
        assertThat(compiled.engine(EngineKind.JAVA, 4).decide(request)).isEqualTo(new Decision(true, List.of("w-from-cluster"), List.of()));
    }

    static Stream<DecisionRequest> badRequests() {
        EntityRef w = new EntityRef("Workload", "w");
        EntityRef core = new EntityRef("Service", "core");
        EntityRef group = new EntityRef("Group", "core");
        return Stream.of(
                new DecisionRequest(new EntityRef("not a type", "x"), action("GET"), core, Map.of(), List.of()),
                new DecisionRequest(w, new EntityRef("1Action", "GET"), core, Map.of(), List.of()),
                new DecisionRequest(w, action("GET"), new EntityRef("Service::", "core"), Map.of(), List.of()),
                new DecisionRequest(new EntityRef("meshid :: Workload", "w"), action("GET"), core, Map.of(), List.of()),
                new DecisionRequest(w, action("GET"), core, Map.of("who", new EntityRef("bad type", "x")), List.of()),
                new DecisionRequest(w, action("DELETE"), core, Map.of(), List.of(EntityData.of(core, group), EntityData.of(core))),
                new DecisionRequest(w, action("DELETE"), core, Map.of(), List.of(EntityData.of(core, group), EntityData.of(group, core))),
                new DecisionRequest(w, action("GET"), core, Map.of("nested", Map.of("__extn", Map.of("fn", "ip", "arg", "10.0.0.1"))),
                        List.of()),
                new DecisionRequest(w, action("GET"), core, Map.of("text", "broken \uD800 surrogate"), List.of()),
                new DecisionRequest(w, action("GET"), core, Map.of(),
                        List.of(new EntityData(w, Map.of("__entity", Map.of("type", "T", "id", "x")), Set.of()))));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void requestOnlyCedarCanJudge_isDecidedAsBefore(DecisionRequest request) {
        assertThat(COMPILED.javaPolicies().decide(request)).isNull();
        assertThat(JAVA.decide(request)).isEqualTo(NATIVE.decide(request));
    }

    @Test
    void invalidEntityType_deniesNamingTheType() {
        Decision decision = JAVA.decide(new DecisionRequest(new EntityRef("not a type", "x"), action("GET"),
                new EntityRef("Service", "core"), Map.of(), List.of()));

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.errors()).singleElement().asString().contains("not a type");
    }

    @Test
    void engineKind_readsItsConfigNames() {
        assertThat(EngineKind.of("java")).isEqualTo(EngineKind.JAVA);
        assertThat(EngineKind.of(" Native ")).isEqualTo(EngineKind.NATIVE);
        assertThatThrownBy(() -> EngineKind.of("wasm")).isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessage("policy engine: 'wasm' (expected: java or native)");
    }

    private static DecisionRequest request(String type, String id, String action, Map<String, Object> context) {
        return new DecisionRequest(new EntityRef("Workload", "w"), action(action), new EntityRef(type, id), context, List.of());
    }

    private static EntityRef action(String id) {
        return new EntityRef("Action", id);
    }
}
