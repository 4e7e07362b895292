package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc.PolicyServiceBlockingStub;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** policy-server's rpcs are rate-limited per caller before the decision path runs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {

    private static final String API = "spiffe://pol.test/ns/shop/sa/api";
    private static final String OTHER = "spiffe://pol.test/ns/shop/sa/cart";

    private PolicyServer server;

    @BeforeAll
    void start() {
        // An hour-long window (the longest), so that the count cannot restart in the middle of the test.
        server = new PolicyServer(Map.of("meshid.rate-limit.method-limits", List.of("meshid.policy.v1.PolicyService/Check=3/PT1H")));
    }

    @AfterAll
    void stop() throws InterruptedException {
        server.close();
    }

    private PolicyServiceBlockingStub as(String id) {
        return PolicyServiceGrpc.newBlockingStub(server.channelAs(id)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static CheckRequest check(String resource) {
        return CheckRequest.newBuilder().setPrincipal("spiffe://pol.test/ns/web/sa/front").setAction("GET").setResource(resource).build();
    }

    @Test
    void check_pastTheCallersLimit_isResourceExhausted_andOtherCallersAreNotThrottled() {
        PolicyServiceBlockingStub api = as(API);
        for (int i = 0; i < 3; i++) {
            assertThat(api.check(check(API)).getDecision()).isEqualTo(Decision.DECISION_DENY);
        }

        assertThatThrownBy(() -> api.check(check(API))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("meshid.policy.v1.PolicyService/Check", "caller " + API, "retry in");
        });
        assertThat(as(OTHER).check(check(OTHER)).getDecision()).isEqualTo(Decision.DECISION_DENY);
    }
}
