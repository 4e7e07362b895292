package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledPolicySetTest {

    private static final String PERMIT_ALL = "permit(principal, action, resource);";

    @Test
    void compile_withSyntaxError_isRejectedNamingThePolicy() {
        assertThatThrownBy(() -> CompiledPolicySet.compile(Map.of("broken", "permit(principal, action"), Map.of(), List.of()))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("policy broken");
    }

    @Test
    void compile_withTwoPoliciesInOneEntry_isRejected() {
        assertThatThrownBy(() -> CompiledPolicySet.compile(Map.of("two", PERMIT_ALL + PERMIT_ALL), Map.of(), List.of()))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("policy two");
    }

    @Test
    void compile_withLinkToMissingTemplate_isRejected() {
        TemplateLinkSource link = new TemplateLinkSource("l", "missing", new EntityRef("Namespace", "a"), null);
        assertThatThrownBy(() -> CompiledPolicySet.compile(Map.of(), Map.of(), List.of(link)))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("template missing");
    }

    @Test
    void compile_withLinkMissingASlot_isRejected() {
        Map<String, String> templates = Map.of("t", "permit(principal in ?principal, action, resource == ?resource);");
        TemplateLinkSource link = new TemplateLinkSource("l", "t", new EntityRef("Namespace", "a"), null);
        assertThatThrownBy(() -> CompiledPolicySet.compile(Map.of(), templates, List.of(link)))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("template links");
    }

    @Test
    void compile_withDuplicateIdAcrossPoliciesAndTemplates_isRejected() {
        assertThatThrownBy(() -> CompiledPolicySet.compile(
                        Map.of("x", PERMIT_ALL), Map.of("x", "permit(principal == ?principal, action, resource);"), List.of()))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("policy id: x");
    }

    @Test
    void request_withUnsupportedContextValue_isRejected() {
        assertThatThrownBy(() -> new DecisionRequest(new EntityRef("W", "a"), new EntityRef("Action", "a"),
                        new EntityRef("S", "b"), Map.of("when", 1.5d), List.of()))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("context.when");
    }

    @Test
    void decide_onEmptyPolicySet_deniesWithoutReason() {
        CompiledPolicySet empty = CompiledPolicySet.compile(Map.of(), Map.of(), List.of());
        DecisionRequest request = new DecisionRequest(new EntityRef("W", "a"), new EntityRef("Action", "a"),
                new EntityRef("S", "b"), Map.of(), List.of());

        assertThat(empty.slicedEvaluator(4).decide(request)).isEqualTo(new Decision(false, List.of(), List.of()));
        assertThat(empty.fullEvaluator().decide(request)).isEqualTo(new Decision(false, List.of(), List.of()));
    }
}
