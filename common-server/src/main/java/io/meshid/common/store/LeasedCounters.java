package io.meshid.common.store;

import java.time.Duration;
import java.util.List;

/**
 * Counters that replicas share by leasing, not by counting every call: each replica reports how
 * many calls of a key it has admitted so far in the key's window and asks for permits ahead; the
 * store grants them atomically so that the replicas' reservations of a key never total more than
 * its permits. One round trip serves every key of a replica ({@code Redis EVALSHA} of one script),
 * so a replica can sync its limits every few hundred milliseconds instead of once per call.
 * Implemented by the Redis store; the in-process store counts every call in memory instead.
 *
 * <p>Thread-safe.
 */
public interface LeasedCounters {

    /**
     * One key's report and request.
     *
     * @param key     the counter (a window's key; it expires after the {@code ttl} of {@link #lease})
     * @param used    calls this replica admitted under the key so far, in all
     * @param want    permits this replica asks to hold beyond {@code used}
     * @param permits the key's limit, for all replicas together
     */
    record Lease(String key, long used, long want, long permits) {
    }

    /**
     * Records {@code member}'s use of each key and sets its reservation to
     * {@code max(previous reservation, used, min(used + want, permits - others' reservations))}.
     *
     * @return the new reservation of each key, in the order of {@code leases}: {@code member} may
     *     admit calls of the key while its count is below it
     * @throws SharedStoreUnavailableException when the store cannot answer
     */
    long[] lease(String member, List<Lease> leases, Duration ttl);
}
