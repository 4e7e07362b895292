package io.meshid.common.tls;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of an {@link SvidSource}. Thread-safe. */
final class Listeners {

    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    void add(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "onChange"));
    }

    /** Runs every listener; one that throws is logged and the rest still run. */
    void fire() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("an SVID change listener failed; the others still ran", e);
            }
        }
    }
}
