package io.meshid.ca.bundle;

import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where bundle changes meet their watchers: the CA's authority manager publishes every new
 * bundle here, and {@code WatchTrustBundle} streams, the CA's own TLS and the dev credential
 * files subscribe. A subscriber gets the current bundle at once, then every newer one, in order
 * of sequence number (an older bundle arriving late is dropped). Thread-safe.
 */
@Singleton
public final class BundleHub {

    private static final Logger LOG = LoggerFactory.getLogger(BundleHub.class);

    private final Map<TrustDomain, TrustBundle> latest = new ConcurrentHashMap<>();
    private final Map<TrustDomain, CopyOnWriteArrayList<Consumer<TrustBundle>>> watchers = new ConcurrentHashMap<>();

    /** Records and pushes {@code bundle} when it is newer than the one held. */
    public void publish(TrustBundle bundle) {
        TrustBundle merged = latest.merge(bundle.trustDomain(), bundle,
                (held, offered) -> offered.sequence() > held.sequence() ? offered : held);
        if (merged != bundle) {
            return;
        }
        for (Consumer<TrustBundle> watcher : watchers.getOrDefault(bundle.trustDomain(), new CopyOnWriteArrayList<>())) {
            deliver(watcher, bundle);
        }
    }

    /** The newest bundle of {@code domain}, if the CA serves it. */
    public Optional<TrustBundle> current(TrustDomain domain) {
        return Optional.ofNullable(latest.get(domain));
    }

    /** Calls {@code watcher} with the current bundle now and with each newer one; close to stop. */
    public AutoCloseable subscribe(TrustDomain domain, Consumer<TrustBundle> watcher) {
        CopyOnWriteArrayList<Consumer<TrustBundle>> list = watchers.computeIfAbsent(domain, d -> new CopyOnWriteArrayList<>());
        list.add(watcher);
        current(domain).ifPresent(b -> deliver(watcher, b));
        return () -> list.remove(watcher);
    }

    private static void deliver(Consumer<TrustBundle> watcher, TrustBundle bundle) {
        try {
            watcher.accept(bundle);
        } catch (RuntimeException e) {
            LOG.warn("a bundle watcher of {} failed on sequence {}", bundle.trustDomain(), bundle.sequence(), e);
        }
    }
}
