package io.meshid.identity.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.attestation.Attestation;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceImplBase;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The {@code meshid.identity.v1.IdentityService} gRPC service. {@code Attest} with a join token is
 * served (TLS, no client certificate: the one anonymous rpc); Kubernetes attestation, renewal,
 * JWT-SVIDs, token exchange, validation, revocation and JWKS answer {@code UNIMPLEMENTED} until
 * the rest of identity-server's issue lands.
 */
@Singleton
final class IdentityServiceEndpoint extends IdentityServiceImplBase {

    private final Attestation attestation;

    IdentityServiceEndpoint(Attestation attestation) {
        this.attestation = attestation;
    }

    @Override
    public void attest(AttestRequest request, StreamObserver<AttestResponse> response) {
        Optional<SpiffeId> requested = request.getSpiffeId().isEmpty() ? Optional.empty()
                : Optional.of(RegistryMessages.spiffeId("spiffe_id", request.getSpiffeId()));
        Attestation.Result result = switch (request.getEvidenceCase()) {
            case JOIN_TOKEN -> attestation.withJoinToken(request.getJoinToken(), request.getCsr().toByteArray(), requested,
                    SourceAddressInterceptor.current());
            case KUBERNETES -> throw new MeshidException.FailedPrecondition("kubernetes: attestation with service account tokens "
                    + "is not enabled on this server yet (expected: a join_token)");
            case EVIDENCE_NOT_SET -> throw new MeshidException.InvalidArgument("evidence: not set (expected: join_token or kubernetes)");
        };
        response.onNext(AttestResponse.newBuilder()
                .setSvid(result.signed().getSvid())
                .setTrustBundle(result.bundle())
                .setEntryId(result.entry().id())
                .build());
        response.onCompleted();
    }
}
