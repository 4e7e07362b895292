package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.meshid.common.testing.FakeServerCalls;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import org.junit.jupiter.api.Test;

/** Decisions run on the event loop while rate limits count in-process; nothing else does. */
class DecisionInlineCallsTest {

    private static boolean inline(DecisionInlineCalls calls, MethodDescriptor<?, ?> method) {
        return calls.runsInline(FakeServerCalls.of(method), new Metadata());
    }

    @Test
    void decisionsRunInline() {
        DecisionInlineCalls calls = new DecisionInlineCalls(true);
        assertThat(inline(calls, PolicyServiceGrpc.getCheckMethod())).isTrue();
        assertThat(inline(calls, PolicyServiceGrpc.getBatchCheckMethod())).isTrue();
        assertThat(inline(calls, AuthorizationGrpc.getCheckMethod())).isTrue();
    }

    @Test
    void adminCallsAndTheWatchNeverDo() {
        DecisionInlineCalls calls = new DecisionInlineCalls(true);
        assertThat(inline(calls, PolicyAdminServiceGrpc.getPutPolicySetMethod())).isFalse();
        assertThat(inline(calls, PolicyAdminServiceGrpc.getRollbackMethod())).isFalse();
        assertThat(inline(calls, PolicyServiceGrpc.getWatchPolicyVersionMethod())).isFalse();
    }

    @Test
    void nothingRunsInlineWhenRateLimitsCountInRedis() {
        assertThat(inline(new DecisionInlineCalls(false), PolicyServiceGrpc.getCheckMethod())).isFalse();
    }
}
