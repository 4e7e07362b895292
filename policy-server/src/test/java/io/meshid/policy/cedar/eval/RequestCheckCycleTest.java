package io.meshid.policy.cedar.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The request check's cycle test: the bit-mask form used for up to 16 entities gives the same
 * answer as walking each parent's ancestors, on named cases and on random hierarchies.
 */
class RequestCheckCycleTest {

    private static final EntityRef ACTION = new EntityRef("Action", "get");

    private static EntityRef ref(int i) {
        return new EntityRef("E", "e" + i);
    }

    private static DecisionRequest request(List<EntityData> entities) {
        return new DecisionRequest(ref(0), ACTION, ref(1), Map.of(), entities);
    }

    private static EntityData entity(int i, int... parents) {
        Set<EntityRef> set = new HashSet<>();
        for (int p : parents) {
            set.add(ref(p));
        }
        return new EntityData(ref(i), Map.of(), set);
    }

    @Test
    void meshChains_areAcyclic_andCyclesAreFound() {
        // Workload -> Namespace -> TrustDomain, Service -> Namespace -> TrustDomain, an action group.
        assertThat(RequestCheck.acyclic(request(List.of(entity(0, 2), entity(1, 2), entity(2, 3), entity(3), entity(4, 5), entity(5)))))
                .isTrue();
        assertThat(RequestCheck.acyclic(request(List.of(entity(0, 0))))).as("its own parent").isFalse();
        assertThat(RequestCheck.acyclic(request(List.of(entity(0, 1), entity(1, 0))))).isFalse();
        assertThat(RequestCheck.acyclic(request(List.of(entity(0, 1), entity(1, 2), entity(2, 3), entity(3, 1))))).as("a cycle above")
                .isFalse();
        assertThat(RequestCheck.acyclic(request(List.of(entity(0, 9), entity(1, 9))))).as("parents the request does not hold")
                .isTrue();
    }

    @Test
    void randomHierarchies_sameAnswerAsTheWalk() {
        Random random = new Random(15);
        int cyclic = 0;
        for (int trial = 0; trial < 5000; trial++) {
            int n = 1 + random.nextInt(16);
            List<EntityData> entities = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int parents = random.nextInt(3);
                int[] ps = new int[parents];
                for (int k = 0; k < parents; k++) {
                    ps[k] = random.nextInt(n + 2);
                }
                entities.add(entity(i, ps));
            }
            DecisionRequest request = request(entities);
            boolean walk = RequestCheck.acyclicByWalk(request);
            assertThat(RequestCheck.acyclic(request)).as("trial " + trial + ": " + entities).isEqualTo(walk);
            cyclic += walk ? 0 : 1;
        }
        assertThat(cyclic).as("the trials hold cycles and hierarchies without").isBetween(500, 4500);
    }
}
