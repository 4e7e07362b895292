package io.meshid.policy.slicing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScopeIndexTest {

    private static final EntityKey API = new EntityKey("Workload", "api");
    private static final EntityKey OTHER = new EntityKey("Workload", "other");
    private static final EntityKey PAYMENTS = new EntityKey("Namespace", "payments");
    private static final EntityKey DB = new EntityKey("Service", "db");

    private final ScopeIndex index = ScopeIndex.of(List.of(
            new PolicyScope("eq-api", new ScopeConstraint.Eq(API), ScopeConstraint.ANY),
            new PolicyScope("in-payments", new ScopeConstraint.In(PAYMENTS), new ScopeConstraint.Eq(DB)),
            PolicyScope.unconstrained("any"),
            new PolicyScope("eq-other", new ScopeConstraint.Eq(OTHER), ScopeConstraint.ANY),
            new PolicyScope("in-api-itself", new ScopeConstraint.In(API), new ScopeConstraint.In(PAYMENTS))));

    @Test
    void candidates_matchEqInAncestorsAndSelf_andUnconstrained() {
        assertThat(ids(index.candidates(API, Set.of(PAYMENTS), DB, Set.of(PAYMENTS))))
                .containsExactly("eq-api", "in-payments", "any", "in-api-itself");
    }

    @Test
    void candidates_bothSidesMustMatch() {
        assertThat(ids(index.candidates(API, Set.of(PAYMENTS), new EntityKey("Service", "x"), Set.of())))
                .containsExactly("eq-api", "any");
    }

    @Test
    void candidates_withoutAncestors_dropInConstraints() {
        assertThat(ids(index.candidates(OTHER, Set.of(), DB, Set.of()))).containsExactly("any", "eq-other");
    }

    private List<String> ids(java.util.BitSet bits) {
        return bits.stream().mapToObj(index::id).toList();
    }
}
