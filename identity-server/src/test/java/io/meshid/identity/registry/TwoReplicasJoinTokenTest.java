package io.meshid.identity.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two identity-server replicas (two application contexts, two connection pools) on one
 * PostgreSQL: a join token created through one is consumed exactly once, whichever replica each
 * of many concurrent attempts reaches.
 */
@RequiresPostgres
class TwoReplicasJoinTokenTest {

    @Test
    void joinToken_isSingleUse_acrossTwoReplicas() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", "replicas.test");
        try (ApplicationContext a = ApplicationContext.run(p); ApplicationContext b = ApplicationContext.run(p)) {
            Registry first = a.getBean(Registry.class);
            Registry second = b.getBean(Registry.class);
            for (int round = 0; round < 20; round++) {
                RegistrationEntry entry = first.createEntry(new EntryParams(SpiffeId.parse("spiffe://replicas.test/ns/r/sa/w" + round),
                        List.of(), Optional.empty(), Optional.empty(), List.of(), false, "test"));
                JoinToken token = first.createJoinToken(TrustDomain.of("replicas.test"), entry.id(), Optional.empty());

                ExecutorService pool = Executors.newFixedThreadPool(8);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> attempts = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Registry replica = i % 2 == 0 ? first : second;
                    attempts.add(pool.submit((Callable<Boolean>) () -> {
                        go.await();
                        return replica.consumeJoinToken(token.secret()).isPresent();
                    }));
                }
                go.countDown();
                int winners = 0;
                for (Future<Boolean> f : attempts) {
                    winners += f.get() ? 1 : 0;
                }
                pool.shutdown();
                assertThat(winners).as("round %d", round).isEqualTo(1);
            }
        } finally {
            database.close();
        }
    }
}
