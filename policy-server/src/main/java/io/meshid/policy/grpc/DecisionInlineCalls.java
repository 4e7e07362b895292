package io.meshid.policy.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.meshid.common.ratelimit.RateLimitConfig;
import io.meshid.common.server.InlineCalls;
import io.meshid.common.store.SharedStore;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * The decision calls ({@code Check}, {@code BatchCheck} and Envoy's ext_authz {@code Check}) run
 * on the event loop: a decision reads only memory (the active policy snapshot, the decision cache)
 * and hands its decision-log record to a queue that never waits. Each event-loop thread keeps its
 * own cached Cedar slices. Rate limits must count in-process (policy-server's default); if they
 * are made to count in Redis, decisions run on the rpc executor. Admin calls and the version
 * watch always do.
 */
@Singleton
final class DecisionInlineCalls implements InlineCalls {

    static final Set<String> DECISIONS = Set.of(
            PolicyServiceGrpc.getCheckMethod().getFullMethodName(),
            PolicyServiceGrpc.getBatchCheckMethod().getFullMethodName(),
            AuthorizationGrpc.getCheckMethod().getFullMethodName());

    private final boolean localLimits;

    @Inject
    DecisionInlineCalls(SharedStore store, RateLimitConfig limits) {
        this(!limits.isEnabled() || !limits.isShared() || "in-process".equals(store.kind()));
    }

    DecisionInlineCalls(boolean localLimits) {
        this.localLimits = localLimits;
    }

    @Override
    public boolean runsInline(ServerCall<?, ?> call, Metadata headers) {
        return localLimits && DECISIONS.contains(call.getMethodDescriptor().getFullMethodName());
    }
}
