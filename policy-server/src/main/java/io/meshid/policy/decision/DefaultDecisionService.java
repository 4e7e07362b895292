package io.meshid.policy.decision;

import io.meshid.common.authz.Admins;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.activation.ActivePolicies;
import io.meshid.policy.activation.PolicyVersion;
import io.meshid.policy.cedar.ContextReads;
import io.meshid.policy.cedar.Decision;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.decisionlog.DecisionLog;
import io.meshid.policy.decisionlog.DecisionRecord;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The decision path: authorize the caller, look up the active version (lock-free), build the
 * Cedar request, answer from the cache or evaluate (sliced, natively cached policy sets in a pool),
 * evaluate the shadow version beside it on a cache miss, and offer the record to the decision
 * log. No blocking I/O: safe on a gRPC transport thread. Thread-safe.
 */
@Singleton
final class DefaultDecisionService implements DecisionService {

    /** Trust domains whose version changes empty the cache; past it, new domains are not cached. */
    private static final int MAX_WATCHED = 1024;

    private final ActivePolicies policies;
    private final MeshidConfig meshid;
    private final Admins admins;
    private final DecisionLog log;
    private final Clock clock;
    private final Duration cacheTtl;
    private final DecisionCache cache;
    private final Map<TrustDomain, ActivePolicies.Subscription> watched = new ConcurrentHashMap<>();
    private final Counter allows;
    private final Counter denies;
    private final Counter hits;
    private final Counter misses;

    DefaultDecisionService(ActivePolicies policies, MeshidConfig meshid, PolicyConfig config, DecisionLog log,
            MeterRegistry meters, Clock clock) {
        this.policies = policies;
        this.meshid = meshid;
        this.admins = new Admins(meshid);
        this.log = log;
        this.clock = clock;
        this.cacheTtl = config.getDecisionCacheTtl();
        this.cache = new DecisionCache(config.getDecisionCacheSize(), cacheTtl, clock);
        this.allows = Counter.builder("meshid.policy.decisions").tag("decision", "allow").register(meters);
        this.denies = Counter.builder("meshid.policy.decisions").tag("decision", "deny").register(meters);
        this.hits = Counter.builder("meshid.policy.decision_cache").tag("result", "hit").register(meters);
        this.misses = Counter.builder("meshid.policy.decision_cache").tag("result", "miss").register(meters);
    }

    @Override
    public CheckOutcome check(SpiffeId caller, MeshRequest request) {
        TrustDomain domain = request.resource().trustDomain();
        if (!caller.equals(request.resource()) && !admins.isAdmin(caller, domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not ask for decisions on " + request.resource()
                    + " (expected: " + request.resource() + " itself, or an admin of " + domain + ": one of the paths "
                    + meshid.getAdminPaths() + " or an SVID of an entry with admin = true)");
        }
        long started = System.nanoTime();
        Optional<PolicyVersion> active = policies.active(domain);
        if (active.isEmpty()) {
            CheckOutcome none = new CheckOutcome(false, List.of(), List.of(), 0, Duration.ZERO);
            finish(caller, request, none, started, false, null);
            return none;
        }
        PolicyVersion version = active.get();
        Instant now = request.time() != null ? request.time() : clock.instant();
        DecisionRequest cedar = CedarRequests.of(request, now.getEpochSecond(), version.policies().actionGroups());
        ContextReads reads = version.policies().contextReads(cedar);
        Decision decision = null;
        DecisionCache.Key key = null;
        if (cache.enabled() && watch(domain)) {
            key = DecisionCache.key(domain.name(), version.version(), cedar, reads);
            decision = cache.get(key);
            (decision == null ? misses : hits).increment();
        }
        boolean cached = decision != null;
        Shadow shadow = null;
        if (!cached) {
            decision = version.engine().decide(cedar);
            if (key != null) {
                cache.put(key, decision);
            }
            shadow = shadow(domain, request, now, version, cedar);
        }
        Duration ttl = reads.reads("time") ? Duration.ZERO : cacheTtl;
        CheckOutcome outcome = new CheckOutcome(decision.allowed(), decision.determiningPolicies(),
                errors(version, decision), version.version(), ttl);
        finish(caller, request, outcome, started, cached, shadow);
        return outcome;
    }

    private record Shadow(long version, Decision decision) {}

    /**
     * The shadow version's decision, never enforced; null when there is none or it cannot be read.
     * Its schema may group actions differently from the active version's, so the request is
     * mapped again with its groups when they differ.
     */
    private Shadow shadow(TrustDomain domain, MeshRequest request, Instant now, PolicyVersion active, DecisionRequest cedar) {
        Optional<PolicyVersion> shadow;
        try {
            shadow = policies.shadow(domain);
        } catch (MeshidException e) {
            return null;
        }
        return shadow.map(v -> new Shadow(v.version(), v.engine().decide(
                v.policies().actionGroups() == active.policies().actionGroups() || v.policies().actionGroups().isEmpty()
                        && active.policies().actionGroups().isEmpty()
                        ? cedar : CedarRequests.of(request, now.getEpochSecond(), v.policies().actionGroups()))))
                .orElse(null);
    }

    private void finish(SpiffeId caller, MeshRequest request, CheckOutcome outcome, long started, boolean cached, Shadow shadow) {
        (outcome.allowed() ? allows : denies).increment();
        boolean disagrees = shadow != null && shadow.decision().allowed() != outcome.allowed();
        if (!disagrees && !log.wants(outcome.allowed())) {
            return;
        }
        List<String> errors = new ArrayList<>(outcome.errors().size());
        outcome.errors().forEach(e -> errors.add(e.policyId().isEmpty() ? e.message() : e.policyId() + ": " + e.message()));
        // A request without its own request_id (meshctl policy check, a client calling Check itself) is logged and audited
        // under the call's x-request-id, as every other rpc's events are.
        String requestId = request.requestId().isEmpty() ? RequestIds.ofCall().orElse("") : request.requestId();
        log.offer(new DecisionRecord(clock.instant(), requestId, caller.toString(), request.principal().toString(),
                request.action(), request.resource().toString(), request.resource().trustDomain().name(), request.path(),
                request.sourceAddress(), outcome.allowed(), outcome.determiningPolicies(), errors, outcome.policyVersion(),
                (System.nanoTime() - started) / 1000, cached, shadow == null ? 0 : shadow.version(),
                shadow != null && shadow.decision().allowed()));
    }

    /** Splits Cedar's "policy-id: message" error lines, when the prefix is a policy of the version. */
    private static List<CheckOutcome.PolicyError> errors(PolicyVersion version, Decision decision) {
        if (decision.errors().isEmpty()) {
            return List.of();
        }
        List<CheckOutcome.PolicyError> out = new ArrayList<>(decision.errors().size());
        for (String error : decision.errors()) {
            int colon = error.indexOf(": ");
            String id = colon > 0 ? error.substring(0, colon) : "";
            out.add(version.policies().hasPolicy(id)
                    ? new CheckOutcome.PolicyError(id, error.substring(colon + 2))
                    : new CheckOutcome.PolicyError("", error));
        }
        return out;
    }

    /**
     * Subscribes once per trust domain, so that any new version there empties the cache; false
     * when too many domains are watched already (then this one's decisions are not cached).
     */
    private boolean watch(TrustDomain domain) {
        if (watched.containsKey(domain)) {
            return true;
        }
        if (watched.size() >= MAX_WATCHED) {
            return false;
        }
        watched.computeIfAbsent(domain, d -> policies.watch(d, change -> cache.clear()));
        return true;
    }

    /** Decisions in the cache (for tests). */
    long cacheSize() {
        return cache.size();
    }

    @PreDestroy
    void close() {
        watched.values().forEach(ActivePolicies.Subscription::close);
    }
}
