package io.meshid.ca.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.servers.ServerIdentities;
import io.meshid.common.authz.Grant;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidResponse;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The CA's door for the servers' own identities: the two rpcs of {@code meshid.identity.v1.IdentityService}
 * that a process needs to get and keep an SVID ({@code Attest} with a server join token or a
 * Kubernetes service account token, {@code RenewX509Svid} over mutual TLS), so identity-server and policy-server run the sidecar's own
 * client ({@code io.meshid.common.identity.AttestedSvidSource}) against the CA. Only these two
 * methods are bound (any other of that service is {@code UNIMPLEMENTED} here), and the domain issues
 * nothing but {@link ServerIdentities#identities()}. Thread-safe.
 */
@Singleton
final class ServerIdentityEndpoint implements IdentityServiceGrpc.AsyncService, BindableService {

    private final ServerIdentities servers;
    private final AuthorityManager authorities;

    ServerIdentityEndpoint(ServerIdentities servers, AuthorityManager authorities) {
        this.servers = servers;
        this.authorities = authorities;
    }

    @Override
    public ServerServiceDefinition bindService() {
        ServerServiceDefinition all = IdentityServiceGrpc.bindService(this);
        return ServerServiceDefinition.builder(IdentityServiceGrpc.SERVICE_NAME)
                .addMethod(all.getMethod(IdentityServiceGrpc.getAttestMethod().getFullMethodName()))
                .addMethod(all.getMethod(IdentityServiceGrpc.getRenewX509SvidMethod().getFullMethodName()))
                .build();
    }

    @Override
    public void attest(AttestRequest request, StreamObserver<AttestResponse> response) {
        Optional<SpiffeId> requested = request.getSpiffeId().isEmpty() ? Optional.empty()
                : Optional.of(CaMessages.spiffeId("spiffe_id", request.getSpiffeId()));
        byte[] csr = request.getCsr().toByteArray();
        IssuedX509Svid issued = switch (request.getEvidenceCase()) {
            case JOIN_TOKEN -> servers.attest(request.getJoinToken(), csr, requested);
            case KUBERNETES -> servers.attestKubernetes(request.getKubernetes().getCluster(), request.getKubernetes().getToken(),
                    csr, requested);
            case EVIDENCE_NOT_SET -> throw new MeshidException.InvalidArgument("evidence: not set (expected: join_token, or "
                    + "kubernetes with a service account token granted a server identity)");
        };
        response.onNext(AttestResponse.newBuilder().setSvid(CaMessages.svid(issued))
                .setTrustBundle(CaMessages.bundle(authorities.bundle(issued.spiffeId().trustDomain()))).build());
        response.onCompleted();
    }

    @Override
    public void renewX509Svid(RenewX509SvidRequest request, StreamObserver<RenewX509SvidResponse> response) {
        IssuedX509Svid issued = servers.renew(Grant.current().caller(), request.getCsr().toByteArray());
        response.onNext(RenewX509SvidResponse.newBuilder().setSvid(CaMessages.svid(issued))
                .setTrustBundle(CaMessages.bundle(authorities.bundle(issued.spiffeId().trustDomain()))).build());
        response.onCompleted();
    }
}
