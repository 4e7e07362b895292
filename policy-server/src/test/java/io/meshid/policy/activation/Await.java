package io.meshid.policy.activation;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition without asserting how long it took (the bound only stops a hung test). */
public final class Await {

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with {@code what} after {@code atMost}. */
    public static void until(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + atMost + ": " + what);
            }
            Thread.sleep(10);
        }
    }
}
