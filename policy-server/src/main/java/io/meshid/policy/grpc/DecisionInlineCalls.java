package io.meshid.policy.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.meshid.common.ratelimit.RateLimitInterceptor;
import io.meshid.common.server.InlineCalls;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * The decision calls ({@code Check}, {@code BatchCheck} and Envoy's ext_authz {@code Check}) run
 * on the event loop: a decision reads only memory (the active policy snapshot, the decision cache)
 * and hands its decision-log record to a queue that never waits. Each event-loop thread keeps its
 * own cached Cedar slices. Rate limits must count from memory (policy-server's default counts in this
 * replica; shared limits with Redis are leased, {@link RateLimitInterceptor#countsInMemory}); a
 * per-method limit counted in Redis keeps its method on the rpc executor. Admin calls and the version
 * watch always do.
 */
@Singleton
final class DecisionInlineCalls implements InlineCalls {

    static final Set<String> DECISIONS = Set.of(
            PolicyServiceGrpc.getCheckMethod().getFullMethodName(),
            PolicyServiceGrpc.getBatchCheckMethod().getFullMethodName(),
            AuthorizationGrpc.getCheckMethod().getFullMethodName());

    private final java.util.function.Predicate<String> limitsInMemory;

    @Inject
    DecisionInlineCalls(RateLimitInterceptor limits) {
        this(limits::countsInMemory);
    }

    DecisionInlineCalls(boolean localLimits) {
        this(method -> localLimits);
    }

    DecisionInlineCalls(java.util.function.Predicate<String> limitsInMemory) {
        this.limitsInMemory = limitsInMemory;
    }

    @Override
    public boolean runsInline(ServerCall<?, ?> call, Metadata headers) {
        String method = call.getMethodDescriptor().getFullMethodName();
        return DECISIONS.contains(method) && limitsInMemory.test(method);
    }
}
