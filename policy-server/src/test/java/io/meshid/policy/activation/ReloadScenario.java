package io.meshid.policy.activation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.store.PolicyStore;
import io.meshid.policy.store.TestSources;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two policy-server replicas (two application contexts) on one PostgreSQL: a version put through
 * one is in force on the other, and its listeners hear of it in version order. Run by
 * {@link RedisReloadTest} and {@link PollReloadTest}.
 */
final class ReloadScenario {

    private ReloadScenario() {
    }


    static final TrustDomain TD = TrustDomain.of("reload.test");
    private static final SpiffeId ADMIN = SpiffeId.parse("spiffe://reload.test/meshid/admin");
    private static final Duration WAIT = Duration.ofSeconds(8);

    static Map<String, Object> replica(TestDatabase database, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
        p.put("meshid.trust-domain", TD.name());
        p.putAll(extra);
        return p;
    }

    static void checkPropagation(ApplicationContext a, ApplicationContext b) throws Exception {
        PolicyStore writer = a.getBean(PolicyStore.class);
        ActivePolicies other = b.getBean(ActivePolicies.class);
        assertThat(other.active(TD)).isEmpty();
        List<VersionChange> seen = new CopyOnWriteArrayList<>();
        try (ActivePolicies.Subscription ignored = other.watch(TD, seen::add)) {
            writer.put(new PolicyStore.PutParams(TD, TestSources.valid(), "one", ADMIN, OptionalLong.of(0), false));
            Await.until("version 1 active on the other replica", WAIT, () -> other.active(TD).isPresent());
            PolicyVersion one = other.active(TD).orElseThrow();
            assertThat(one.version()).isEqualTo(1);
            DecisionRequest call = new DecisionRequest(new EntityRef("Workload", "spiffe://td.test/ns/a/sa/x"),
                    new EntityRef("Action", "call"), new EntityRef("Service", "spiffe://td.test/ns/s/sa/s"),
                    Map.of("path", "/"), List.of());
            assertThat(one.engine().decide(call).allowed()).isTrue();

            writer.put(new PolicyStore.PutParams(TD, TestSources.single("s"), "shadow", ADMIN, OptionalLong.of(1), true));
            Await.until("shadow version 2 on the other replica", WAIT, () -> other.shadow(TD).isPresent());
            assertThat(other.shadow(TD).orElseThrow().version()).isEqualTo(2);
            assertThat(other.active(TD).orElseThrow().version()).isEqualTo(1);

            writer.rollback(new PolicyStore.RollbackParams(TD, 2, "", ADMIN, OptionalLong.of(2)));
            Await.until("version 3 active on the other replica", WAIT,
                    () -> other.active(TD).map(v -> v.version() == 3).orElse(false));
            assertThat(other.shadow(TD)).isEmpty();
            assertThat(other.active(TD).orElseThrow().engine().decide(call).allowed()).isTrue();
            Await.until("listener told of version 3", WAIT, () -> !seen.isEmpty() && seen.get(seen.size() - 1).version() == 3);
        }
        assertThat(seen).extracting(VersionChange::version).isSorted().contains(3L).doesNotContain(2L);
        assertThat(seen).allMatch(c -> c.trustDomain().equals(TD));
        assertThat(a.getBean(ActivePolicies.class).active(TrustDomain.of("other.test"))).isEqualTo(Optional.empty());
    }
}
