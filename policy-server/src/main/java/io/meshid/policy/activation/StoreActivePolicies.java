package io.meshid.policy.activation;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.store.Heads;
import io.meshid.policy.store.PolicySeed;
import io.meshid.policy.store.PolicyStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import io.micronaut.context.annotation.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ActivePolicies} kept current with the policy store. At start-up it applies the seed (if
 * configured) and loads every trust domain's active and shadow versions; afterwards a new version
 * is picked up when a replica announces it on {@link PolicyStore#CHANNEL} (the shared store:
 * Redis across replicas, in-process otherwise) and, as the fallback for a missed announcement, by
 * reading every trust domain's head numbers each {@code meshid.policy.reload-poll-interval}.
 *
 * <p>All loading happens on one thread of its own ("policy-reload"): each version is read and
 * compiled once, swapped in as an immutable {@link Snapshot}, and listeners are called on that
 * thread in version order. Versions written in quick succession may be coalesced (listeners then
 * see only the newest). Reads are lock-free. Thread-safe.
 */
@Context
final class StoreActivePolicies implements ActivePolicies {

    private static final Logger LOG = LoggerFactory.getLogger(StoreActivePolicies.class);

    /** What is in force for one trust domain; immutable, replaced whole. */
    record Snapshot(long activeNumber, Optional<PolicyVersion> active, long shadowNumber, Optional<PolicyVersion> shadow) {
        static final Snapshot NONE = new Snapshot(0, Optional.empty(), 0, Optional.empty());
    }

    private final PolicyStore store;
    private final SharedStore shared;
    private final PolicyConfig config;
    private final PolicySeed seed;
    private final VersionLoader loader;
    private final Map<TrustDomain, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final Map<TrustDomain, List<Consumer<VersionChange>>> listeners = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "policy-reload");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean loaded;
    private volatile boolean pollFailing;
    private SharedStore.Subscription subscription;

    StoreActivePolicies(PolicyStore store, SharedStore shared, PolicyConfig config, PolicySeed seed) {
        this.store = store;
        this.shared = shared;
        this.config = config;
        this.seed = seed;
        this.loader = new VersionLoader(store, config.getEngine(), config.getSlicesPerThread());
    }

    @PostConstruct
    void start() {
        seed.applyIfEmpty();
        try {
            subscription = shared.subscribe(PolicyStore.CHANNEL, this::announced);
        } catch (RuntimeException e) {
            LOG.warn("policy versions: no announcements from the shared store ({}); polling every {} only",
                    e.getMessage(), config.getReloadPollInterval());
        }
        try {
            reloader.submit(this::poll).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("policy versions: first load failed: {}", e.getCause().toString());
        }
        long every = config.getReloadPollInterval().toMillis();
        reloader.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (subscription != null) {
            subscription.close();
        }
        reloader.shutdownNow();
    }

    @Override
    public Optional<PolicyVersion> active(TrustDomain trustDomain) {
        return snapshot(trustDomain).active();
    }

    @Override
    public Optional<PolicyVersion> shadow(TrustDomain trustDomain) {
        return snapshot(trustDomain).shadow();
    }

    @Override
    public Subscription watch(TrustDomain trustDomain, Consumer<VersionChange> listener) {
        List<Consumer<VersionChange>> list = listeners.computeIfAbsent(trustDomain, td -> new CopyOnWriteArrayList<>());
        list.add(listener);
        return () -> list.remove(listener);
    }

    private Snapshot snapshot(TrustDomain trustDomain) {
        if (!loaded) {
            throw new MeshidException.Unavailable("policy store: not read yet (expected: a reachable database; "
                    + "deny until it is)", null);
        }
        return snapshots.getOrDefault(trustDomain, Snapshot.NONE);
    }

    /** A replica announced "{@code <trust domain> <version>}": read that trust domain's heads now. */
    private void announced(String message) {
        String name = message.split(" ", 2)[0];
        TrustDomain domain;
        try {
            domain = TrustDomain.of(name);
        } catch (RuntimeException e) {
            LOG.debug("policy versions: ignoring announcement '{}'", message);
            return;
        }
        try {
            reloader.execute(() -> {
                try {
                    apply(store.heads(domain));
                } catch (RuntimeException e) {
                    LOG.warn("policy versions: reading {} after an announcement failed ({}); the next poll retries", domain,
                            e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            LOG.debug("policy versions: stopped; ignoring announcement '{}'", message);
        }
    }

    private void poll() {
        try {
            for (Heads heads : store.heads()) {
                apply(heads);
            }
            loaded = true;
            if (pollFailing) {
                LOG.info("policy versions: the policy store answers again");
                pollFailing = false;
            }
        } catch (RuntimeException e) {
            if (!pollFailing) {
                LOG.warn("policy versions: polling the policy store failed ({}); retrying every {}", e.getMessage(),
                        config.getReloadPollInterval());
                pollFailing = true;
            }
        }
    }

    /** Brings one trust domain to {@code heads}; only on the reload thread. */
    private void apply(Heads heads) {
        TrustDomain domain = heads.trustDomain();
        Snapshot current = snapshots.getOrDefault(domain, Snapshot.NONE);
        if (current.activeNumber() == heads.active() && current.shadowNumber() == heads.shadow()) {
            return;
        }
        boolean activeChanged = current.activeNumber() != heads.active();
        Optional<PolicyVersion> active = activeChanged
                ? loader.load(domain, heads.active(), heads.activeSince(), current.active()) : current.active();
        Optional<PolicyVersion> shadow = current.shadowNumber() == heads.shadow() ? current.shadow()
                : loader.load(domain, heads.shadow(), heads.shadowSince(), Optional.empty());
        snapshots.put(domain, new Snapshot(heads.active(), active, heads.shadow(), shadow));
        LOG.info("policy versions of {}: active {}, shadow {}", domain, heads.active(), heads.shadow());
        if (activeChanged && heads.active() > 0 && active.isPresent() && active.get().version() == heads.active()) {
            VersionChange change = new VersionChange(domain, heads.active(), active.get().activatedAt());
            for (Consumer<VersionChange> listener : listeners.getOrDefault(domain, List.of())) {
                try {
                    listener.accept(change);
                } catch (RuntimeException e) {
                    LOG.warn("policy versions: a listener of {} failed", domain, e);
                }
            }
        }
    }
}
