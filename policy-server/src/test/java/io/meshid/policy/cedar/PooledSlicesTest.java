package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import com.cedarpolicy.model.policy.PolicySet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 16.4 for the native engine's cached slices: the cost of a decision does not depend on the
 * thread that runs it. Counted, not timed: with a {@code ThreadLocal} (before), 500 decisions on
 * 500 new virtual threads built and natively cached 500 policy sets; from the pool they build
 * one. And two decisions in flight at once never hold the same set (cedar-java contends on it).
 */
class PooledSlicesTest {

    private final CompiledPolicySet policies = CompiledPolicySet.compile(
            Map.of("a", "permit(principal, action, resource);"), Map.of(), List.of());
    private final AtomicInteger built = new AtomicInteger();
    private final Function<BitSet, PolicySet> counting = slice -> {
        built.incrementAndGet();
        return policies.policySet(slice);
    };

    @Test
    void decisionsOnNewVirtualThreads_reuseOneCachedSet() throws Exception {
        PooledSlices pool = new PooledSlices(4, 4, counting);
        BitSet all = policies.all();

        for (int i = 0; i < 500; i++) {
            Thread t = Thread.ofVirtual().start(() -> pool.apply(all, set -> set));
            t.join();
        }

        assertThat(pool.cachesMade()).isEqualTo(1);
        assertThat(built).hasValue(1);
    }

    @Test
    void decisionsInFlightAtOnce_neverShareASet_andTheirCachesAreKeptForLater() throws Exception {
        int inFlight = 6;
        PooledSlices pool = new PooledSlices(4, inFlight, counting);
        BitSet all = policies.all();
        CyclicBarrier together = new CyclicBarrier(inFlight);
        Set<PolicySet> held = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
            threads.add(Thread.ofVirtual().start(() -> pool.apply(all, set -> {
                held.add(set);
                try {
                    together.await(10, TimeUnit.SECONDS); // every decision holds its set at this point
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return set;
            })));
        }
        for (Thread t : threads) {
            t.join();
        }

        assertThat(held).as("a distinct set per decision in flight").hasSize(inFlight);
        assertThat(pool.cachesMade()).isEqualTo(inFlight);
        for (int i = 0; i < 100; i++) {
            Thread.ofVirtual().start(() -> pool.apply(all, set -> set)).join();
        }
        assertThat(built).as("later decisions reuse the kept caches").hasValue(inFlight);
    }

    @Test
    void theDefaultPool_keepsAtMost512SetsIdle_underCedarJavasNativeBound() {
        assertThat(PooledSlices.IDLE_SETS).isLessThan(1_024);
        PooledSlices big = new PooledSlices(4096, counting);
        PolicySet set = big.apply(policies.all(), s -> s);
        assertThat(set).isNotNull();
    }
}
