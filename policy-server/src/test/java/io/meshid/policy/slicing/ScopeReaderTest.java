package io.meshid.policy.slicing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScopeReaderTest {

    @Test
    void read_eqAndIn_giveTheirEntities() {
        PolicyScope scope = ScopeReader.read("p", """
                {"effect":"permit","principal":{"op":"==","entity":{"type":"Workload","id":"a"}},
                 "action":{"op":"All"},"resource":{"op":"in","entity":{"type":"Namespace","id":"payments"}},"conditions":[]}""");

        assertThat(scope).isEqualTo(new PolicyScope("p",
                new ScopeConstraint.Eq(new EntityKey("Workload", "a")),
                new ScopeConstraint.In(new EntityKey("Namespace", "payments"))));
    }

    @Test
    void read_isWithIn_readsAsIn_andIsAloneAsAny() {
        PolicyScope scope = ScopeReader.read("p", """
                {"principal":{"op":"is","entity_type":"Workload","in":{"entity":{"type":"Namespace","id":"n"}}},
                 "resource":{"op":"is","entity_type":"Service"}}""");

        assertThat(scope.principal()).isEqualTo(new ScopeConstraint.In(new EntityKey("Namespace", "n")));
        assertThat(scope.resource()).isEqualTo(ScopeConstraint.ANY);
    }

    @Test
    void read_escapedEntityForm_isUnderstood() {
        PolicyScope scope = ScopeReader.read("p", """
                {"principal":{"op":"==","entity":{"__entity":{"type":"W","id":"x"}}},"resource":{"op":"All"}}""");

        assertThat(scope.principal()).isEqualTo(new ScopeConstraint.Eq(new EntityKey("W", "x")));
    }

    @Test
    void read_templateWithFilledSlots_usesTheLinkValues() {
        EntityKey ns = new EntityKey("Namespace", "billing");
        PolicyScope scope = ScopeReader.read("link", """
                {"principal":{"op":"is","entity_type":"Workload","in":{"slot":"?principal"}},
                 "resource":{"op":"==","slot":"?resource"}}""", Map.of("?principal", ns));

        assertThat(scope.principal()).isEqualTo(new ScopeConstraint.In(ns));
        assertThat(scope.resource()).as("an unfilled slot excludes nothing").isEqualTo(ScopeConstraint.ANY);
    }

    @Test
    void read_unreadableScope_isUnconstrained() {
        assertThat(ScopeReader.read("p", "not json")).isEqualTo(PolicyScope.unconstrained("p"));
        assertThat(ScopeReader.read("p", "[1]")).isEqualTo(PolicyScope.unconstrained("p"));
        assertThat(ScopeReader.read("p", """
                {"principal":{"op":"==","slot":"?principal"},"resource":{"op":"in","entity":{"type":1}}}"""))
                .isEqualTo(PolicyScope.unconstrained("p"));
    }
}
