package io.meshid.policy.grpc;

import com.google.protobuf.Duration;
import io.meshid.policy.decision.CheckOutcome;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.EvaluationError;

/** {@link CheckOutcome} as meshid's {@code CheckResponse}. */
final class DecisionMessages {

    private DecisionMessages() {}

    static CheckResponse response(CheckOutcome outcome) {
        CheckResponse.Builder reply = CheckResponse.newBuilder()
                .setDecision(outcome.allowed() ? Decision.DECISION_ALLOW : Decision.DECISION_DENY)
                .addAllDeterminingPolicyIds(outcome.determiningPolicies())
                .setPolicyVersion(outcome.policyVersion())
                .setCacheTtl(Duration.newBuilder().setSeconds(outcome.cacheTtl().getSeconds()).setNanos(outcome.cacheTtl().getNano()));
        for (CheckOutcome.PolicyError error : outcome.errors()) {
            reply.addErrors(EvaluationError.newBuilder().setPolicyId(error.policyId()).setMessage(error.message()));
        }
        return reply.build();
    }
}
