package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.testing.MutableClock;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Callers of policy-server holding 1-minute X.509-SVIDs keep their mTLS connections open past the
 * SVIDs' expiry (the server's clock moves): from then on an admin rpc (run on the rpc executor)
 * and a decision (run inline on the event loop) are both {@code UNAUTHENTICATED}.
 */
class ExpiredCallerTest {

    @Test
    void oneMinuteSvids_onConnectionsHeldOpenPastTheirExpiry_areUnauthenticated_inlineAndOffloaded() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = MutableClock.at(start);
        try (PolicyServer server = new PolicyServer(Map.of(), clock)) {
            Instant notAfter = start.plus(Duration.ofMinutes(1));
            ManagedChannel admin = server.channelAs("spiffe://pol.test/meshid/admin", start, notAfter);
            ManagedChannel workload = server.channelAs("spiffe://pol.test/ns/web/sa/front", start, notAfter);
            assertThat(codeOf(() -> listVersions(admin))).isNotEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(codeOf(() -> check(workload))).isNotEqualTo(Status.Code.UNAUTHENTICATED);

            clock.advance(Duration.ofSeconds(61));

            for (Runnable call : new Runnable[] {() -> listVersions(admin), () -> check(workload)}) {
                StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, call::run);
                assertThat(refused).isNotNull();
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(refused.getStatus().getDescription()).contains("expired at " + notAfter);
            }
        }
    }

    private static void listVersions(ManagedChannel channel) {
        PolicyAdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build());
    }

    private static void check(ManagedChannel channel) {
        PolicyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setPrincipal("spiffe://pol.test/ns/web/sa/front").setAction("GET")
                        .setResource("spiffe://pol.test/ns/api/sa/back").build());
    }

    private static Status.Code codeOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }
}
