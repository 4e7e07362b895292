package io.meshid.policy.cedar;

import com.cedarpolicy.model.exception.CacheException;
import com.cedarpolicy.model.policy.PolicySet;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-thread, least-recently-used caches of natively cached policy sets, keyed by the slice (the
 * set of static policies) they hold. One policy set per thread because threads sharing a cached
 * set contend inside the native library.
 *
 * <p>The native cache is process-wide and bounded (1,024 sets unless {@code
 * PolicySet.setCacheMaxPolicySets} says otherwise), and an evicted set leaves it only when it is
 * garbage-collected: keep threads times the per-thread bound well below it. A set that the
 * native cache refuses is used uncached (same answer, higher cost) and not kept. Thread-safe:
 * each thread only touches its own map.
 */
final class ThreadSlices {

    private final ThreadLocal<Map<BitSet, PolicySet>> slices;
    private final Function<BitSet, PolicySet> factory;

    ThreadSlices(int maxPerThread, Function<BitSet, PolicySet> factory) {
        this.factory = factory;
        this.slices = ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<BitSet, PolicySet> eldest) {
                return size() > maxPerThread;
            }
        });
    }

    /** The cached policy set for {@code slice}; the caller must not change {@code slice} afterwards. */
    PolicySet get(BitSet slice) {
        Map<BitSet, PolicySet> mine = slices.get();
        PolicySet set = mine.get(slice);
        if (set == null) {
            set = factory.apply(slice);
            try {
                set.cache();
                mine.put(slice, set);
            } catch (CacheException | RuntimeException e) {
                // The native cache is full: evaluate uncached (same answer, higher cost) and try
                // caching again next time, when collected sets may have freed room.
            }
        }
        return set;
    }
}
