package io.meshid.common.ratelimit;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.server.SourceAddresses;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.store.SharedStore;
import io.meshid.common.tls.CallerIdentity;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Abuse limits for every rpc of a gRPC server: per caller identity (its SPIFFE ID, from mutual
 * TLS) and per source address (an IPv6 source per /64, {@link SourceAddresses#limitKey}), per second, plus stricter per-method limits from
 * {@link RateLimitConfig}. A call past a limit is closed with {@code RESOURCE_EXHAUSTED}, a
 * message naming the limit and when to retry, a {@code google.rpc.RetryInfo} in the status details
 * (as every meshid rpc's rate limit, see docs/api.md) and the metadata {@code retry-after-ms}; the
 * service never sees it. Runs after the interceptors that establish the caller and its address,
 * before any service code. Counters live in the {@link SharedStore}'s own memory (in-process), or in this replica
 * only when {@link RateLimitConfig#isShared()} is false; with Redis, every limit (per caller, per
 * source and per method) is counted from memory against leases synced in the background
 * ({@link LeasedLimits}: no round trip per call, a documented tolerance). No limit costs a store
 * round trip on the call's path. Thread-safe.
 */
@Singleton
public final class RateLimitInterceptor implements ServerInterceptor, Ordered {

    /** The metadata key of the retry hint, in milliseconds. */
    public static final Metadata.Key<String> RETRY_AFTER_MS = Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

    private static final Metadata.Key<com.google.rpc.Status> STATUS_DETAILS =
            Metadata.Key.of("grpc-status-details-bin", ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

    private final RateLimiter limiter;
    private final boolean enabled;
    private final RateLimit perCaller;
    private final RateLimit perSource;
    private final Map<String, RateLimit> methods;
    /** {@code "method:" + method} for each limited method, built once. */
    private final Map<String, String> methodScopes;
    /** Source address to its limit key ({@link SourceAddresses#limitKey}, a parse each), bounded. */
    private final Map<String, String> sourceKeys = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    RateLimitInterceptor(RateLimitConfig config, SharedStore store, Optional<Clock> clock) {
        this(config, limiter(config, store, clock.orElseGet(Clock::systemUTC)));
    }

    private static RateLimiter limiter(RateLimitConfig config, SharedStore store, Clock clock) {
        if (!config.isShared()) {
            return RateLimiter.local(clock);
        }
        if (config.isEnabled() && store instanceof io.meshid.common.store.LeasedCounters leases) {
            return new RateLimiter(store, clock, new LeasedLimits(leases, clock, config.getSyncInterval(), config.getSlack(), true));
        }
        return new RateLimiter(store, clock);
    }

    /**
     * Whether every limit that applies to {@code method} is counted from memory (no store round
     * trip), so that the call may run on the event loop ({@link io.meshid.common.server.InlineCalls}).
     */
    public boolean countsInMemory(String method) {
        return !enabled || (limiter.bulkInMemory() && (!methods.containsKey(method) || limiter.exactInMemory()));
    }

    @jakarta.annotation.PreDestroy
    void close() {
        limiter.close();
    }

    /** For servers built by hand and for tests. */
    public RateLimitInterceptor(RateLimitConfig config, RateLimiter limiter) {
        this.limiter = limiter;
        this.enabled = config.isEnabled();
        this.perCaller = RateLimit.perSecond(config.getPerCallerPerSecond());
        this.perSource = RateLimit.perSecond(config.getPerSourcePerSecond());
        this.methods = config.getMethods();
        Map<String, String> scopes = new java.util.HashMap<>();
        methods.keySet().forEach(m -> scopes.put(m, "method:" + m));
        this.methodScopes = Map.copyOf(scopes);
    }

    private String sourceKey(String address) {
        if (address == null) {
            return SourceAddresses.limitKey(null);
        }
        String key = sourceKeys.get(address);
        if (key == null) {
            key = SourceAddresses.limitKey(address);
            if (sourceKeys.size() >= 10_000) {
                sourceKeys.clear();
            }
            if (key != null) {
                sourceKeys.put(address, key);
            }
        }
        return key;
    }

    /** The limiter that counts (for tests). */
    RateLimiter limiter() {
        return limiter;
    }

    @Override
    public int getOrder() {
        // After the request id, caller identity and source address (HIGHEST_PRECEDENCE + 0..1).
        return HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!enabled) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<SpiffeId> caller = CallerIdentity.current();
        String source = sourceKey(SourceAddressInterceptor.current());
        RateLimit methodLimit = methods.get(method);
        if (methodLimit != null) {
            String subject = caller.map(SpiffeId::toString).orElse(source);
            String who = caller.isPresent() ? "caller " + subject : "source address " + subject;
            if (refused(call, limiter.acquire(methodScopes.get(method), subject, methodLimit), method + " for " + who, methodLimit)) {
                return new ServerCall.Listener<>() { };
            }
        }
        if (caller.isPresent() && refused(call, limiter.acquireBulk("caller", caller.get().toString(), perCaller),
                "calls of caller " + caller.get(), perCaller)) {
            return new ServerCall.Listener<>() { };
        }
        if (refused(call, limiter.acquireBulk("source", source, perSource), "calls from source address " + source, perSource)) {
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    private static boolean refused(ServerCall<?, ?> call, RateLimiter.Decision decision, String what, RateLimit limit) {
        if (decision.allowed()) {
            return false;
        }
        Duration retry = decision.retryAfter();
        String message = "rate limit: " + what + " exceeds " + limit.permits() + " per " + limit.window() + " (expected: at most "
                + limit + "; retry in " + retry.toMillis() + " ms)";
        RetryInfo info = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(retry.getSeconds()).setNanos(retry.getNano())).build();
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER_MS, Long.toString(retry.toMillis()));
        trailers.put(STATUS_DETAILS, com.google.rpc.Status.newBuilder().setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .setMessage(message).addDetails(Any.pack(info)).build());
        call.close(Status.RESOURCE_EXHAUSTED.withDescription(message), trailers);
        return true;
    }
}
