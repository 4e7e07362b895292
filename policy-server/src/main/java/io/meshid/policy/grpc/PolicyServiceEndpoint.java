package io.meshid.policy.grpc;

import com.google.rpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.authz.Grant;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.mapping.ProtoRequests;
import io.meshid.proto.policy.v1.BatchCheckRequest;
import io.meshid.proto.policy.v1.BatchCheckResponse;
import io.meshid.proto.policy.v1.BatchCheckResult;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.PolicyServiceGrpc.PolicyServiceImplBase;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * The {@code meshid.policy.v1.PolicyService} gRPC service: per-request decisions (Check,
 * BatchCheck) through {@link DecisionService}, and the stream of active policy versions
 * (WatchPolicyVersion, {@link VersionWatchStreams}). Validates and maps; the domain decides.
 */
@Singleton
final class PolicyServiceEndpoint extends PolicyServiceImplBase {

    static final int MAX_BATCH = 100;

    private final DecisionService decisions;
    private final Set<String> contextHeaders;
    private final VersionWatchStreams watches;

    PolicyServiceEndpoint(DecisionService decisions, PolicyConfig config, VersionWatchStreams watches) {
        this.decisions = decisions;
        this.contextHeaders = config.getContextHeaders();
        this.watches = watches;
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
        SpiffeId caller = Grant.current().caller();
        response.onNext(DecisionMessages.response(decisions.check(caller, ProtoRequests.of(request, contextHeaders))));
        response.onCompleted();
    }

    @Override
    public void batchCheck(BatchCheckRequest request, StreamObserver<BatchCheckResponse> response) {
        SpiffeId caller = Grant.current().caller();
        int count = request.getChecksCount();
        if (count == 0 || count > MAX_BATCH) {
            throw new MeshidException.InvalidArgument("checks: " + count + " (expected: 1 to " + MAX_BATCH + ")");
        }
        BatchCheckResponse.Builder reply = BatchCheckResponse.newBuilder();
        for (CheckRequest check : request.getChecksList()) {
            BatchCheckResult.Builder result = BatchCheckResult.newBuilder();
            try {
                result.setResponse(DecisionMessages.response(decisions.check(caller, ProtoRequests.of(check, contextHeaders))));
            } catch (MeshidException.InvalidArgument | MeshidException.PermissionDenied e) {
                result.setError(Status.newBuilder().setCode(ErrorMappingInterceptor.code(e.kind()).value()).setMessage(e.getMessage()));
            }
            reply.addResults(result);
        }
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void watchPolicyVersion(WatchPolicyVersionRequest request, StreamObserver<WatchPolicyVersionResponse> response) {
        watches.watch(request, response);
    }
}
