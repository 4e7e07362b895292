package io.meshid.policy.testing;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.activation.ActivePolicies;
import io.meshid.policy.activation.PolicyVersion;
import io.meshid.policy.activation.VersionChange;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.EngineKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * ActivePolicies for tests of the decision side: versions are put by the test, watchers are
 * called on the test's thread, and {@link #unavailable} makes every read fail as a store that
 * could not be read at start-up.
 */
public final class FakeActivePolicies implements ActivePolicies {

    private final Map<TrustDomain, PolicyVersion> active = new ConcurrentHashMap<>();
    private final Map<TrustDomain, PolicyVersion> shadow = new ConcurrentHashMap<>();
    private final Map<TrustDomain, List<Consumer<VersionChange>>> watchers = new ConcurrentHashMap<>();
    private final int slicesPerThread;
    private final EngineKind engine;
    private volatile boolean unavailable;

    public FakeActivePolicies() {
        this(64);
    }

    /** Versions whose engines keep up to {@code slicesPerThread} cached slices per thread. */
    public FakeActivePolicies(int slicesPerThread) {
        this(slicesPerThread, EngineKind.JAVA);
    }

    /** Versions decided by {@code engine}, keeping up to {@code slicesPerThread} cached native slices per thread. */
    public FakeActivePolicies(int slicesPerThread, EngineKind engine) {
        this.slicesPerThread = slicesPerThread;
        this.engine = engine;
    }

    /** Activates {@code policies} as {@code version} of {@code domain} and tells the watchers. */
    public PolicyVersion activate(TrustDomain domain, long version, CompiledPolicySet policies) {
        PolicyVersion v = new PolicyVersion(domain, version, Instant.EPOCH, policies, policies.engine(engine, slicesPerThread));
        active.put(domain, v);
        watchers.getOrDefault(domain, List.of()).forEach(w -> w.accept(new VersionChange(domain, version, Instant.EPOCH)));
        return v;
    }

    /** Sets the shadow version of {@code domain}. */
    public void shadow(TrustDomain domain, long version, CompiledPolicySet policies) {
        shadow.put(domain, new PolicyVersion(domain, version, Instant.EPOCH, policies, policies.engine(engine, slicesPerThread)));
    }

    public void unavailable(boolean value) {
        unavailable = value;
    }

    /** How many watch subscriptions are open. */
    public int watchers() {
        return watchers.values().stream().mapToInt(List::size).sum();
    }

    @Override
    public Optional<PolicyVersion> active(TrustDomain trustDomain) {
        if (unavailable) {
            throw new MeshidException.Unavailable("policy store: not read yet (expected: reachable at start-up)", null);
        }
        return Optional.ofNullable(active.get(trustDomain));
    }

    @Override
    public Optional<PolicyVersion> shadow(TrustDomain trustDomain) {
        return Optional.ofNullable(shadow.get(trustDomain));
    }

    @Override
    public Subscription watch(TrustDomain trustDomain, Consumer<VersionChange> listener) {
        List<Consumer<VersionChange>> list = watchers.computeIfAbsent(trustDomain, d -> new CopyOnWriteArrayList<>());
        list.add(listener);
        return () -> list.remove(listener);
    }
}
