package io.meshid.policy.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meshid.policy.store.PolicySetInvalidException;
import io.meshid.policy.store.VersionMismatchException;
import io.meshid.policy.validation.ValidationError;
import io.meshid.proto.policy.v1.PolicySetValidationFailure;

/**
 * The rich errors of PolicyAdminService, with the {@code google.rpc.Status} details that
 * policy_admin.proto promises: a refused policy set carries a PolicySetValidationFailure, a
 * google.rpc.BadRequest and an ErrorInfo ({@code POLICY_SET_INVALID}); a stale
 * {@code expected_version} an ErrorInfo ({@code VERSION_MISMATCH}). Stateless.
 */
final class PolicyAdminErrors {

    static final String DOMAIN = "meshid.io";

    private PolicyAdminErrors() {
    }

    static StatusRuntimeException invalid(PolicySetInvalidException e) {
        BadRequest.Builder bad = BadRequest.newBuilder();
        for (ValidationError error : e.report().errors()) {
            bad.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(error.field()).setDescription(error.describe()));
        }
        Status status = Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage(e.getMessage())
                .addDetails(Any.pack(PolicySetValidationFailure.newBuilder()
                        .addAllErrors(PolicyAdminMessages.errors(e.report().errors()))
                        .addAllWarnings(PolicyAdminMessages.errors(e.report().warnings())).build()))
                .addDetails(Any.pack(bad.build()))
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("POLICY_SET_INVALID").setDomain(DOMAIN)
                        .putMetadata("error_count", String.valueOf(e.report().errors().size())).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    static StatusRuntimeException mismatch(VersionMismatchException e) {
        Status status = Status.newBuilder()
                .setCode(Code.ABORTED_VALUE)
                .setMessage(e.getMessage())
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("VERSION_MISMATCH").setDomain(DOMAIN)
                        .putMetadata("latest_version", String.valueOf(e.latestVersion())).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }
}
