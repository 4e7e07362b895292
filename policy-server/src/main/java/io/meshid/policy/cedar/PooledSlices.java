package io.meshid.policy.cedar;

import com.cedarpolicy.model.exception.CacheException;
import com.cedarpolicy.model.policy.PolicySet;
import io.meshid.common.concurrent.SharedPool;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Least-recently-used caches of natively cached policy sets, keyed by the slice (the set of static
 * policies) they hold, in a {@link SharedPool}: a decision borrows one cache, evaluates with its
 * set alone (threads sharing a cached set contend inside the native library) and gives it back.
 * Decisions run on the event loop, or on virtual threads when a per-method limit is counted in
 * Redis; a {@link ThreadLocal} would rebuild and natively cache the set again on every new virtual
 * thread, while the pool's caches outlive the threads that used them.
 *
 * <p>The native cache is process-wide and bounded (1,024 sets unless {@code
 * PolicySet.setCacheMaxPolicySets} says otherwise), and an evicted set leaves it only when it is
 * garbage-collected: the pool keeps at most {@link #IDLE_SETS} sets idle in all. More decisions
 * in flight at once than the pool's caches make caches that are dropped afterwards. A set that the
 * native cache refuses is used uncached (same answer, higher cost) and not kept. Thread-safe.
 */
final class PooledSlices {

    /** At most this many natively cached sets are kept idle across the pool's caches. */
    static final int IDLE_SETS = 512;

    private final SharedPool<Map<BitSet, PolicySet>> caches;
    private final Function<BitSet, PolicySet> factory;

    /** Caches of up to {@code maxPerCache} sets, as many idle caches as the processors (within {@link #IDLE_SETS}). */
    PooledSlices(int maxPerCache, Function<BitSet, PolicySet> factory) {
        this(maxPerCache, Math.max(1, Math.min(2 * Runtime.getRuntime().availableProcessors(), IDLE_SETS / maxPerCache)), factory);
    }

    PooledSlices(int maxPerCache, int idleCaches, Function<BitSet, PolicySet> factory) {
        this.factory = factory;
        this.caches = new SharedPool<>(idleCaches, () -> new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<BitSet, PolicySet> eldest) {
                return size() > maxPerCache;
            }
        });
    }

    /** {@code use} applied to the cached policy set for {@code slice}, held by this caller alone; the caller must not change {@code slice}. */
    <R> R apply(BitSet slice, Function<PolicySet, R> use) {
        Map<BitSet, PolicySet> cache = caches.borrow();
        try {
            PolicySet set = cache.get(slice);
            if (set == null) {
                set = factory.apply(slice);
                try {
                    set.cache();
                    cache.put(slice, set);
                } catch (CacheException | RuntimeException e) {
                    // The native cache is full: evaluate uncached (same answer, higher cost) and try
                    // caching again next time, when collected sets may have freed room.
                }
            }
            return use.apply(set);
        } finally {
            caches.release(cache);
        }
    }

    /**
     * Frees the native cache of the sets idle in the pool, at once, and empties the pool: such a
     * set otherwise holds its place until it is garbage-collected, and one that lived long enough
     * to reach the old generation may not be for a long time, so that a process making many
     * short-lived engines (Cedar's conformance corpus: thousands of policy sets) fills the cache
     * and every later set is evaluated uncached. Caches borrowed by decisions in flight are not
     * touched; the engine stays usable (it caches new sets).
     */
    void release() {
        for (Map<BitSet, PolicySet> cache : caches.drain()) {
            cache.values().forEach(JniCalls::uncache);
            cache.clear();
        }
    }

    /** How many caches the pool has made so far (for tests). */
    long cachesMade() {
        return caches.made();
    }
}
