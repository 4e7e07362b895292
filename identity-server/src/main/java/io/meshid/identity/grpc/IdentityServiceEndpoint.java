package io.meshid.identity.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.CallerIdentity;
import io.meshid.identity.attestation.Attestation;
import io.meshid.identity.attestation.Renewal;
import io.meshid.identity.exchange.ExchangeInput;
import io.meshid.identity.exchange.TokenExchange;
import io.meshid.identity.jwt.JwksAccess;
import io.meshid.identity.jwt.JwtSvids;
import io.meshid.identity.tokens.TokenRevocation;
import io.meshid.identity.tokens.TokenValidation;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.ExchangeTokenRequest;
import io.meshid.proto.identity.v1.ExchangeTokenResponse;
import io.meshid.proto.identity.v1.GetJwksRequest;
import io.meshid.proto.identity.v1.GetJwksResponse;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.MintJwtSvidResponse;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.RevokeTokenResponse;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceImplBase;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidResponse;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The {@code meshid.identity.v1.IdentityService} gRPC service. {@code Attest} with a join token
 * or a Kubernetes service account token (TLS, no client certificate: the one anonymous rpc),
 * {@code RenewX509Svid} (mTLS, own SPIFFE ID only), {@code MintJwtSvid}, {@code ValidateToken},
 * {@code RevokeToken}, {@code GetJwks} and {@code ExchangeToken} (RFC 8693). Each method only maps
 * messages around one domain call.
 */
@Singleton
final class IdentityServiceEndpoint extends IdentityServiceImplBase {

    private final Attestation attestation;
    private final Renewal renewal;
    private final Tokens tokens;
    private final TokenExchange exchange;

    /** The token rpcs' domain services, in one parameter so the constructor stays small. */
    @Singleton
    record Tokens(JwtSvids jwtSvids, TokenValidation validation, TokenRevocation revocation, JwksAccess jwks) {
    }

    IdentityServiceEndpoint(Attestation attestation, Renewal renewal, Tokens tokens, TokenExchange exchange) {
        this.attestation = attestation;
        this.renewal = renewal;
        this.tokens = tokens;
        this.exchange = exchange;
    }

    @Override
    public void exchangeToken(ExchangeTokenRequest request, StreamObserver<ExchangeTokenResponse> response) {
        TokenExchange.Result issued = exchange.exchange(new ExchangeInput(caller(), request.getSubjectToken(),
                request.getSubjectTokenType(), request.getActorToken(), request.getActorTokenType(), request.getAudienceList(),
                request.getResourceList(), request.getScopeList(), request.getRequestedTokenType()));
        response.onNext(ExchangeMessages.exchanged(issued));
        response.onCompleted();
    }

    private static SpiffeId caller() {
        return CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with your SVID)"));
    }

    @Override
    public void mintJwtSvid(MintJwtSvidRequest request, StreamObserver<MintJwtSvidResponse> response) {
        var minted = tokens.jwtSvids().mint(new JwtSvids.MintParams(caller(), request.getAudienceList(),
                TokenMessages.ttl(request.hasTtl(), request.getTtl())));
        response.onNext(TokenMessages.minted(minted));
        response.onCompleted();
    }

    @Override
    public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
        response.onNext(TokenMessages.validated(tokens.validation().validate(caller(), request.getToken(), request.getAudience(),
                TokenMessages.expectedTypes(request.getExpectedTypesValueList()), request.getPresenterCertificate().toByteArray())));
        response.onCompleted();
    }

    @Override
    public void revokeToken(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> response) {
        SpiffeId caller = caller();
        var until = switch (request.getTargetCase()) {
            case TOKEN -> tokens.revocation().revokeToken(caller, request.getToken(), request.getReason());
            case JTI -> tokens.revocation().revokeJti(caller, TokenMessages.trustDomain("trust_domain", request.getTrustDomain()),
                    request.getJti(), request.getReason());
            case TARGET_NOT_SET -> throw new MeshidException.InvalidArgument("target: not set (expected: token, or jti with "
                    + "trust_domain)");
        };
        response.onNext(RevokeTokenResponse.newBuilder().setRevokedUntil(TokenMessages.timestamp(until)).build());
        response.onCompleted();
    }

    @Override
    public void getJwks(GetJwksRequest request, StreamObserver<GetJwksResponse> response) {
        SpiffeId caller = caller();
        response.onNext(TokenMessages.jwks(tokens.jwks().jwks(caller, TokenMessages.trustDomain("trust_domain",
                request.getTrustDomain()))));
        response.onCompleted();
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
