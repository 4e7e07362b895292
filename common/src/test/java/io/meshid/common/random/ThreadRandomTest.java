package io.meshid.common.random;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ThreadRandomTest {

    @Test
    void uuidsAreVersion4WithTheRfcVariantAndDistinct() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = ThreadRandom.uuid();
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(UUID.fromString(id.toString())).isEqualTo(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
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
            Thread.ofVirtual().start(ThreadRandom::uuid).join();
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
