package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.testing.SeededPolicyServer;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code meshid.policy.engine} binds, and the real server decides alike with either evaluator. */
class EngineConfigEndToEndTest {

    @Test
    void nativeEngine_configured_bindsAndDecidesAsTheJavaDefault() {
        for (EngineKind engine : EngineKind.values()) {
            try (SeededPolicyServer server = new SeededPolicyServer(TestDatabase.h2(), Map.of("meshid.policy.engine", engine.configName()))) {
                ManagedChannel channel = server.channelAs("/ns/payments/sa/api");
                try {
                    CheckResponse allowed = check(channel, DecisionEndToEndTest.CHECKOUT, "/payments.v1.Payments/Charge");
                    CheckResponse denied = check(channel, DecisionEndToEndTest.LEDGER, "POST");

                    assertThat(server.context().getBean(PolicyConfig.class).getEngine()).isEqualTo(engine);
                    assertThat(allowed.getDecision()).as(engine.configName()).isEqualTo(Decision.DECISION_ALLOW);
                    assertThat(allowed.getDeterminingPolicyIdsList()).containsExactly("checkout-charges-payments");
                    assertThat(denied.getDecision()).as(engine.configName()).isEqualTo(Decision.DECISION_DENY);
                } finally {
                    channel.shutdownNow();
                }
            }
        }
    }

    private static CheckResponse check(ManagedChannel channel, String principal, String action) {
        return PolicyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setPrincipal(principal).setAction(action).setResource(DecisionEndToEndTest.API).build());
    }
}
