package io.meshid.policy.store;

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
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two policy-server replicas (two application contexts, two connection pools) on one PostgreSQL,
 * putting into one trust domain at the same time: every put gets its own number, and the numbers
 * are exactly 1..n. With expected_version, of puts racing for the same number exactly one wins.
 */
@RequiresPostgres
class TwoReplicasPutTest {

    private static final TrustDomain TD = TrustDomain.of("replicas.test");
    private static final SpiffeId ADMIN = SpiffeId.parse("spiffe://replicas.test/meshid/admin");

    @Test
    void concurrentPutsThroughTwoReplicas_getGapFreeUniqueNumbers() throws Exception {
        try (TestDatabase database = TestDatabase.postgres()) {
            Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
            p.put("meshid.trust-domain", TD.name());
            try (ApplicationContext a = ApplicationContext.run(p); ApplicationContext b = ApplicationContext.run(p)) {
                List<PolicyStore> replicas = List.of(a.getBean(PolicyStore.class), b.getBean(PolicyStore.class));
                int threads = 6;
                int each = 3;
                List<Long> numbers = race(threads, t -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(replicas.get(t % 2).put(new PolicyStore.PutParams(TD, TestSources.single("p" + t + "x" + i), "",
                                ADMIN, OptionalLong.empty(), false)).version().version());
                    }
                    return mine;
                });
                assertThat(numbers).hasSize(threads * each).doesNotHaveDuplicates().allMatch(v -> v >= 1 && v <= threads * each);

                long latest = replicas.get(0).heads(TD).latest();
                List<Long> winners = race(threads, t -> {
                    try {
                        return List.of(replicas.get(t % 2).put(new PolicyStore.PutParams(TD, TestSources.single("w" + t), "", ADMIN,
                                OptionalLong.of(latest), false)).version().version());
                    } catch (VersionMismatchException e) {
                        return List.of();
                    }
                });
                assertThat(winners).containsExactly(latest + 1);
                assertThat(replicas.get(1).heads(TD).latest()).isEqualTo(latest + 1);
            }
        }
    }

    private interface Work {
        List<Long> run(int thread) throws Exception;
    }

    private static List<Long> race(int threads, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                go.await();
                return work.run(thread);
            }));
        }
        go.countDown();
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        pool.shutdown();
        return all;
    }
}
