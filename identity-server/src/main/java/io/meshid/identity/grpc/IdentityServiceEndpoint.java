package io.meshid.identity.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.CallerIdentity;
import io.meshid.identity.attestation.Attestation;
import io.meshid.identity.attestation.Renewal;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceImplBase;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidResponse;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The {@code meshid.identity.v1.IdentityService} gRPC service. {@code Attest} with a join token
 * or a Kubernetes service account token (TLS, no client certificate: the one anonymous rpc) and
 * {@code RenewX509Svid} (mTLS, own SPIFFE ID only) are served here; each rpc's logic is in its
 * domain service.
 */
@Singleton
final class IdentityServiceEndpoint extends IdentityServiceImplBase {

    private final Attestation attestation;
    private final Renewal renewal;

    IdentityServiceEndpoint(Attestation attestation, Renewal renewal) {
        this.attestation = attestation;
        this.renewal = renewal;
    }

    @Override
    public void renewX509Svid(RenewX509SvidRequest request, StreamObserver<RenewX509SvidResponse> response) {
        SpiffeId caller = CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with the SVID to renew)"));
        var certificate = CallerIdentity.certificate().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client certificate (expected: mutual TLS with the SVID to renew)"));
        Attestation.Result result = renewal.renew(caller, certificate, request.getCsr().toByteArray());
        response.onNext(RenewX509SvidResponse.newBuilder().setSvid(result.signed().getSvid()).setTrustBundle(result.bundle()).build());
        response.onCompleted();
    }

    @Override
    public void attest(AttestRequest request, StreamObserver<AttestResponse> response) {
        Optional<SpiffeId> requested = request.getSpiffeId().isEmpty() ? Optional.empty()
                : Optional.of(RegistryMessages.spiffeId("spiffe_id", request.getSpiffeId()));
        Attestation.Result result = switch (request.getEvidenceCase()) {
            case JOIN_TOKEN -> attestation.withJoinToken(request.getJoinToken(), request.getCsr().toByteArray(), requested,
                    SourceAddressInterceptor.current());
            case KUBERNETES -> attestation.withKubernetes(request.getKubernetes().getCluster(), request.getKubernetes().getToken(),
                    request.getCsr().toByteArray(), requested, SourceAddressInterceptor.current());
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
