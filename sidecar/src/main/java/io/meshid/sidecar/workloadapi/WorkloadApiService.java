package io.meshid.sidecar.workloadapi;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.spiffe.workload.JWTBundlesRequest;
import io.meshid.proto.spiffe.workload.JWTBundlesResponse;
import io.meshid.proto.spiffe.workload.JWTSVID;
import io.meshid.proto.spiffe.workload.JWTSVIDRequest;
import io.meshid.proto.spiffe.workload.JWTSVIDResponse;
import io.meshid.proto.spiffe.workload.SpiffeWorkloadAPIGrpc;
import io.meshid.proto.spiffe.workload.ValidateJWTSVIDRequest;
import io.meshid.proto.spiffe.workload.ValidateJWTSVIDResponse;
import io.meshid.proto.spiffe.workload.X509BundlesRequest;
import io.meshid.proto.spiffe.workload.X509BundlesResponse;
import io.meshid.proto.spiffe.workload.X509SVID;
import io.meshid.proto.spiffe.workload.X509SVIDRequest;
import io.meshid.proto.spiffe.workload.X509SVIDResponse;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * The SPIFFE Workload API over the sidecar's identity: the X.509-SVID and bundle of an
 * {@link SvidSource} (streams pushed again on every change), and JWT-SVIDs, JWT bundles and JWT
 * validation from a {@link JwtAuthority}. Bad requests are {@code INVALID_ARGUMENT}; a JWT-SVID for
 * another SPIFFE ID is {@code PERMISSION_DENIED}; an unreachable issuer is {@code UNAVAILABLE}.
 * Thread-safe.
 */
final class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {

    static final int MAX_AUDIENCES = 16;
    static final int MAX_AUDIENCE_LENGTH = 256;
    static final int MAX_TOKEN_LENGTH = 8192;

    private final SvidSource source;
    private final JwtAuthority jwt;
    private final Subscribers<X509SVIDResponse> x509Svids;
    private final Subscribers<X509BundlesResponse> x509Bundles;
    private final Subscribers<JWTBundlesResponse> jwtBundles;

    WorkloadApiService(SvidSource source, JwtAuthority jwt) {
        this.source = source;
        this.jwt = jwt;
        this.x509Svids = new Subscribers<>(this::x509SvidResponse);
        this.x509Bundles = new Subscribers<>(this::x509BundlesResponse);
        this.jwtBundles = new Subscribers<>(this::jwtBundlesResponse);
        source.addListener(() -> {
            x509Svids.changed();
            x509Bundles.changed();
        });
        jwt.addListener(jwtBundles::changed);
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> responseObserver) {
        x509Svids.subscribe(responseObserver);
    }

    @Override
    public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> responseObserver) {
        x509Bundles.subscribe(responseObserver);
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> responseObserver) {
        jwtBundles.subscribe(responseObserver);
    }

    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> responseObserver) {
        try {
            checkAudiences(request.getAudienceList());
            SpiffeId own = source.svid().spiffeId();
            if (!request.getSpiffeId().isEmpty() && !request.getSpiffeId().equals(own.toString())) {
                throw Status.PERMISSION_DENIED.withDescription("this workload holds " + own + ", not " + abbreviate(request.getSpiffeId())
                        + " (expected: an empty spiffe_id or " + own + ")").asRuntimeException();
            }
            JwtAuthority.JwtSvid minted = jwt.mint(request.getAudienceList());
            responseObserver.onNext(JWTSVIDResponse.newBuilder()
                    .addSvids(JWTSVID.newBuilder().setSpiffeId(minted.spiffeId().toString()).setSvid(minted.token())).build());
            responseObserver.onCompleted();
        } catch (StatusRuntimeException e) {
            responseObserver.onError(upstream(e));
        }
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> responseObserver) {
        try {
            if (request.getAudience().isEmpty() || request.getAudience().length() > MAX_AUDIENCE_LENGTH) {
                throw invalid("audience: " + request.getAudience().length() + " characters (expected: 1 to " + MAX_AUDIENCE_LENGTH + ")");
            }
            if (request.getSvid().isEmpty() || request.getSvid().length() > MAX_TOKEN_LENGTH) {
                throw invalid("svid: " + request.getSvid().length() + " characters (expected: a JWT-SVID of 1 to " + MAX_TOKEN_LENGTH + ")");
            }
            JwtAuthority.Validated valid = jwt.validate(request.getSvid(), request.getAudience());
            responseObserver.onNext(ValidateJWTSVIDResponse.newBuilder().setSpiffeId(valid.spiffeId().toString())
                    .setClaims(valid.claims()).build());
            responseObserver.onCompleted();
        } catch (JwtAuthority.InvalidTokenException e) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (InvalidSpiffeIdException e) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription("the JWT-SVID's subject: " + e.getMessage()).asRuntimeException());
        } catch (StatusRuntimeException e) {
            responseObserver.onError(upstream(e));
        }
    }

    /** Ends every open stream. */
    void closeStreams() {
        x509Svids.closeAll();
        x509Bundles.closeAll();
        jwtBundles.closeAll();
    }

    private static void checkAudiences(List<String> audiences) {
        if (audiences.isEmpty() || audiences.size() > MAX_AUDIENCES) {
            throw invalid("audience: " + audiences.size() + " values (expected: 1 to " + MAX_AUDIENCES + ")");
        }
        for (String audience : audiences) {
            if (audience.isEmpty() || audience.length() > MAX_AUDIENCE_LENGTH) {
                throw invalid("audience: a value of " + audience.length() + " characters (expected: 1 to " + MAX_AUDIENCE_LENGTH + ")");
            }
        }
    }

    /** Our own refusals pass as they are; the issuer's invalid arguments too; anything else from upstream is UNAVAILABLE. */
    private static StatusRuntimeException upstream(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.PERMISSION_DENIED || code == Status.Code.RESOURCE_EXHAUSTED) {
            return e.getStatus().asRuntimeException();
        }
        return Status.UNAVAILABLE.withDescription("identity-server: " + e.getStatus().getCode() + " " + e.getStatus().getDescription())
                .asRuntimeException();
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private X509SVIDResponse x509SvidResponse() {
        X509Svid svid = source.svid();
        X509Bundle bundle = source.bundle();
        return X509SVIDResponse.newBuilder().addSvids(X509SVID.newBuilder().setSpiffeId(svid.spiffeId().toString())
                .setX509Svid(der(svid.chain())).setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded()))
                .setBundle(der(bundle.authorities()))).build();
    }

    private X509BundlesResponse x509BundlesResponse() {
        X509Bundle bundle = source.bundle();
        return X509BundlesResponse.newBuilder().putBundles(bundle.trustDomain().idString(), der(bundle.authorities())).build();
    }

    private JWTBundlesResponse jwtBundlesResponse() {
        Map<String, byte[]> bundles = jwt.bundles();
        if (bundles.isEmpty()) {
            return null;
        }
        JWTBundlesResponse.Builder response = JWTBundlesResponse.newBuilder();
        bundles.forEach((td, jwks) -> response.putBundles(td, ByteString.copyFrom(jwks)));
        return response.build();
    }

    /** Certificates as the standard wants them: their DER encodings, concatenated. */
    private static ByteString der(List<X509Certificate> certificates) {
        ByteString out = ByteString.EMPTY;
        try {
            for (X509Certificate c : certificates) {
                out = out.concat(ByteString.copyFrom(c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode a certificate: " + e.getMessage(), e);
        }
        return out;
    }
}
