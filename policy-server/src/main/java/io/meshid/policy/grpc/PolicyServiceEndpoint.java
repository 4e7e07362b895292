package io.meshid.policy.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.proto.policy.v1.PolicyServiceGrpc.PolicyServiceImplBase;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import jakarta.inject.Singleton;

/**
 * The {@code meshid.policy.v1.PolicyService} gRPC service: per-request decisions.
 *
 * <p>Registered so that the service is listed by reflection and reachable at its final address;
 * until its issue lands every rpc answers {@code UNIMPLEMENTED} (the generated base class's
 * behaviour), which clients treat as "not available here".
 */
@Singleton
final class PolicyServiceEndpoint extends PolicyServiceImplBase {

    private final VersionWatchStreams watches;

    PolicyServiceEndpoint(VersionWatchStreams watches) {
        this.watches = watches;
    }

    @Override
    public void watchPolicyVersion(WatchPolicyVersionRequest request, StreamObserver<WatchPolicyVersionResponse> response) {
        watches.watch(request, response);
    }
}
