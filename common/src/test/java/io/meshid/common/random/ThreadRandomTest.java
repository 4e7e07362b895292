package io.meshid.common.random;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ThreadRandomTest {

    @Test
    void timeOrderedUuids_areVersion7_carryTheirMillisecond_andSortByIt() {
        long t = 1_796_000_000_000L;
        Set<UUID> seen = new HashSet<>();
        UUID previous = null;
        for (int i = 0; i < 10_000; i++) {
            long millis = t + i / 10;
            UUID id = ThreadRandom.timeOrderedUuid(millis);
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(id.getMostSignificantBits() >>> 16).as("the first 48 bits are the Unix milliseconds").isEqualTo(millis);
            assertThat(UUID.fromString(id.toString())).isEqualTo(id);
            if (previous != null && millis > t + (i - 1) / 10) {
                // Byte order (PostgreSQL's and the text form's), not UUID.compareTo (signed longs).
                assertThat(id.toString()).as("a later millisecond sorts after").isGreaterThan(previous.toString());
            }
            previous = id;
            seen.add(id);
        }
        assertThat(seen).as("74 random bits keep ids of one millisecond apart").hasSize(10_000);
    }

    @Test
    void timeOrderedUuids_ofOneMillisecond_differInTheirRandomBits() {
        UUID a = ThreadRandom.timeOrderedUuid(42);
        UUID b = ThreadRandom.timeOrderedUuid(42);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.getMostSignificantBits() >>> 16).isEqualTo(b.getMostSignificantBits() >>> 16).isEqualTo(42);
        assertThat(a.toString()).startsWith("00000000-002a-7");
    }

    @Test
    void timeOrderedUuids_refuseTimesOutsideTheir48Bits() {
        assertThat(ThreadRandom.timeOrderedUuid(0).getMostSignificantBits() >>> 16).isZero();
        assertThat(ThreadRandom.timeOrderedUuid(ThreadRandom.MAX_V7_MILLIS).toString()).startsWith("ffffffff-ffff-7");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ThreadRandom.timeOrderedUuid(-1))
                .withMessageContaining("outside 0..");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ThreadRandom.timeOrderedUuid(ThreadRandom.MAX_V7_MILLIS + 1))
                .withMessageContaining("48 bits");
    }

    @Test
    void threadsDrawDifferentStreams() throws InterruptedException {
        Set<String> firsts = ConcurrentHashMap.newKeySet();
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofPlatform().start(() -> firsts.add(java.util.HexFormat.of().formatHex(ThreadRandom.bytes(16))));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(firsts).as("each thread's DRBG is seeded on its own").hasSize(8);
    }

    @Test
    void callsOnNewVirtualThreads_reusePooledDrbgs_insteadOfSeedingOneEach() throws InterruptedException {
        long before = ThreadRandom.drbgsMade();
        for (int i = 0; i < 2000; i++) {
            Thread.ofVirtual().start(() -> ThreadRandom.bytes(16)).join();
        }
        // A ThreadLocal made 2000 (one per virtual thread); the pool makes one per call in flight at most.
        assertThat(ThreadRandom.drbgsMade() - before).isLessThanOrEqualTo(16);
    }

    @Test
    void bytesHaveTheAskedLengthAndAreNotConstant() {
        assertThat(ThreadRandom.bytes(32)).hasSize(32).isNotEqualTo(new byte[32]);
        assertThat(ThreadRandom.bytes(0)).isEmpty();
    }
}
