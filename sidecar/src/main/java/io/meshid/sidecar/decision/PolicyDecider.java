package io.meshid.sidecar.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.RequestContext;
import io.meshid.sidecar.config.PolicyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides through policy-server's {@code PolicyService/Check} over mutual TLS with the sidecar's SVID,
 * in front of a bounded local cache (Caffeine). A decision is reused for the TTL policy-server gave
 * (zero: not cached) while {@link PolicyVersionWatch} is connected and reports no newer version; a
 * new version empties the cache, and while the watch is down cached decisions are not trusted as
 * fresh (every request asks), so a policy change is in force as soon as policy-server activates it.
 *
 * <p>Unknown means deny: a failed or late {@code Check} is a deny, unless a cached decision of the
 * current policy version is within the configured stale-if-error grace past its TTL (default zero:
 * off). Thread-safe.
 */
public final class PolicyDecider implements Decider {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyDecider.class);

    /**
     * A cached decision, with what a cache hit answers, made once and not per request: a completed
     * future that every hit shares (nobody completes it again: {@link Decider} callers only read it).
     */
    private record Cached(boolean allowed, long version, Instant freshUntil, Instant staleUntil,
            CompletableFuture<Verdict> hit) {
    }

    private final PolicyConfig config;
    private final Clock clock;
    private final ManagedChannel channel;
    private final PolicyServiceGrpc.PolicyServiceFutureStub stub;
    private final Cache<CheckInput, Cached> cache;
    private final AtomicLong generation = new AtomicLong();
    private final PolicyVersionWatch watch;

    /** A decider that asks the policy-server of {@code config}, as the SVID of {@code source}. */
    public PolicyDecider(PolicyConfig config, SvidSource source, Clock clock) {
        this.config = config;
        this.clock = clock;
        SpiffeId expected = config.serverId();
        TrustDomain ownDomain = source.svid().spiffeId().trustDomain();
        this.channel = NettyChannelBuilder.forAddress(config.host(), config.port())
                .sslContext(TlsContexts.grpcClient(source,
                        id -> expected == null ? id.memberOf(ownDomain) : id.equals(expected)))
                .directExecutor()
                .build();
        this.stub = PolicyServiceGrpc.newFutureStub(channel);
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                // upkeep on the calling event loop: no hand-off to (and wake-up of) a ForkJoinPool thread
                .executor(Runnable::run)
                .expireAfter(new Expiry<CheckInput, Cached>() {
                    @Override
                    public long expireAfterCreate(CheckInput key, Cached value, long currentTime) {
                        return Math.max(1, Duration.between(clock.instant(), value.staleUntil()).toNanos());
                    }

                    @Override
                    public long expireAfterUpdate(CheckInput key, Cached value, long currentTime,
                            long currentDuration) {
                        return expireAfterCreate(key, value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(CheckInput key, Cached value, long currentTime,
                            long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
        this.watch = new PolicyVersionWatch(channel, ownDomain, this::onNewVersion);
        watch.start();
    }

    private void onNewVersion(long version) {
        generation.incrementAndGet();
        cache.invalidateAll();
        LOG.info("policy version {} is active: decision cache emptied", version);
    }

    @Override
    public CompletionStage<Verdict> decide(CheckInput input, String requestId) {
        Instant now = clock.instant();
        Cached cached = cache.getIfPresent(input);
        boolean watching = watch.isCurrent();
        if (cached != null && watching && now.isBefore(cached.freshUntil())) {
            return cached.hit();
        }
        long generationAtAsk = generation.get();
        CompletableFuture<Verdict> result = new CompletableFuture<>();
        Futures.addCallback(stub.withDeadlineAfter(config.checkTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .check(request(input, requestId)), new FutureCallback<CheckResponse>() {
                    @Override
                    public void onSuccess(CheckResponse response) {
                        boolean allowed = response.getDecision() == Decision.DECISION_ALLOW;
                        remember(input, response, allowed, generationAtAsk);
                        result.complete(verdict(allowed, "policy version " + response.getPolicyVersion()));
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        Cached stale = cache.getIfPresent(input);
                        if (stale != null && clock.instant().isBefore(stale.staleUntil())
                                && generation.get() == generationAtAsk && !config.staleIfError().isZero()) {
                            LOG.warn("no decision from policy-server ({}); using a stale cached one within the "
                                    + "stale-if-error grace", status.getCode());
                            result.complete(verdict(stale.allowed(), "stale cached decision (policy-server: "
                                    + status.getCode() + ")"));
                            return;
                        }
                        LOG.warn("no decision from policy-server ({}): denied", status.getCode());
                        result.complete(Verdict.deny("no decision could be had (policy-server: " + status.getCode() + ")"));
                    }
                }, MoreExecutors.directExecutor());
        return result;
    }

    private static Verdict verdict(boolean allowed, String reason) {
        return allowed ? Verdict.allow(reason) : Verdict.deny(reason);
    }

    private void remember(CheckInput input, CheckResponse response, boolean allowed, long generationAtAsk) {
        if (!response.hasCacheTtl() || config.cacheSize() == 0) {
            return;
        }
        Duration ttl = Duration.ofSeconds(response.getCacheTtl().getSeconds(), response.getCacheTtl().getNanos());
        if (ttl.isNegative() || ttl.isZero()) {
            return;
        }
        if (ttl.compareTo(Duration.ofMinutes(5)) > 0) {
            ttl = Duration.ofMinutes(5);
        }
        Instant freshUntil = clock.instant().plus(ttl);
        Cached value = new Cached(allowed, response.getPolicyVersion(), freshUntil, freshUntil.plus(config.staleIfError()),
                CompletableFuture.completedFuture(verdict(allowed, "cached decision of policy version "
                        + response.getPolicyVersion())));
        // A decision asked before a version change must not outlive the change.
        if (generation.get() == generationAtAsk && response.getPolicyVersion() >= watch.version()) {
            cache.put(input, value);
            if (generation.get() != generationAtAsk) {
                cache.invalidate(input);
            }
        }
    }

    private static CheckRequest request(CheckInput input, String requestId) {
        return CheckRequest.newBuilder()
                .setPrincipal(input.principal().toString())
                .setAction(input.action())
                .setResource(input.resource().toString())
                .setRequestId(requestId)
                .setContext(RequestContext.newBuilder()
                        .setPath(input.path())
                        .putAllHeaders(input.headers())
                        .setSourceAddress(input.sourceAddress()))
                .build();
    }

    /** Whether the policy-version watch is connected (cached decisions are trusted only then). */
    public boolean watching() {
        return watch.isCurrent();
    }

    /** Cached decisions right now (for tests and metrics). */
    public long cachedDecisions() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        watch.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
