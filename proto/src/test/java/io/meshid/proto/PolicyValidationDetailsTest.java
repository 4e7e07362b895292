package io.meshid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meshid.proto.policy.v1.PolicySetPart;
import io.meshid.proto.policy.v1.PolicySetValidationFailure;
import io.meshid.proto.policy.v1.SourceLocation;
import io.meshid.proto.policy.v1.ValidationError;
import org.junit.jupiter.api.Test;

/**
 * PutPolicySet reports validation errors as google.rpc.Status details; this is the shape its comment
 * promises, carried through a real StatusRuntimeException (trailers) and read back.
 */
class PolicyValidationDetailsTest {

    @Test
    void putPolicySetErrors_travelAsStatusDetails() throws Exception {
        ValidationError error = ValidationError.newBuilder()
                .setPart(PolicySetPart.POLICY_SET_PART_POLICIES)
                .setPolicyId("allow-web")
                .setLocation(SourceLocation.newBuilder().setLine(3).setColumn(17).setOffset(58).setLength(6))
                .setCode("unknown_entity_type")
                .setMessage("unrecognized entity type `Wrkload` (expected: Workload or Service)")
                .build();
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage("policy set is invalid: 1 error")
                .addDetails(Any.pack(PolicySetValidationFailure.newBuilder().addErrors(error).build()))
                .addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation
                        .newBuilder().setField("source.policies")
                        .setDescription("allow-web:3:17: " + error.getMessage())).build()))
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("POLICY_SET_INVALID")
                        .setDomain("meshid.io").putMetadata("error_count", "1").build()))
                .build();

        StatusRuntimeException thrown = StatusProto.toStatusRuntimeException(status);
        com.google.rpc.Status received = StatusProto.fromThrowable(thrown);

        assertThat(thrown.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(received.getDetails(0).unpack(PolicySetValidationFailure.class).getErrors(0)).isEqualTo(error);
        assertThat(received.getDetails(1).unpack(BadRequest.class).getFieldViolations(0).getField())
                .isEqualTo("source.policies");
        assertThat(received.getDetails(2).unpack(ErrorInfo.class).getReason()).isEqualTo("POLICY_SET_INVALID");
    }
}
