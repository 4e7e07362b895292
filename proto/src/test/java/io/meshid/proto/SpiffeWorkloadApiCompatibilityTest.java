package io.meshid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
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
import io.spiffe.workloadapi.grpc.Workload;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

/**
 * meshid's copy of the SPIFFE Workload API must be the standard one, so that SPIFFE client libraries work
 * against the sidecar. java-spiffe's own generated classes (io.spiffe:java-spiffe-core) are the reference:
 * same service name, same messages and field numbers, and its stub talks to a server built on ours.
 */
class SpiffeWorkloadApiCompatibilityTest {

    private static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void serviceName_isExactlyUpstreams() {
        assertThat(SpiffeWorkloadAPIGrpc.SERVICE_NAME).isEqualTo("SpiffeWorkloadAPI");
        assertThat(SpiffeWorkloadAPIGrpc.getServiceDescriptor().getMethods())
                .extracting(MethodDescriptor::getFullMethodName)
                .containsExactlyInAnyOrder(
                        "SpiffeWorkloadAPI/FetchX509SVID",
                        "SpiffeWorkloadAPI/FetchX509Bundles",
                        "SpiffeWorkloadAPI/FetchJWTSVID",
                        "SpiffeWorkloadAPI/FetchJWTBundles",
                        "SpiffeWorkloadAPI/ValidateJWTSVID");
        assertThat(io.meshid.proto.spiffe.workload.Workload.getDescriptor().getPackage()).isEmpty();
    }

    @Test
    void messagesAndService_equalJavaSpiffes() {
        FileDescriptor ours = io.meshid.proto.spiffe.workload.Workload.getDescriptor();
        FileDescriptor theirs = Workload.getDescriptor();

        assertThat(ours.getPackage()).isEqualTo(theirs.getPackage());
        assertThat(ours.toProto().getMessageTypeList()).isEqualTo(theirs.toProto().getMessageTypeList());
        assertThat(ours.toProto().getServiceList()).isEqualTo(theirs.toProto().getServiceList());
    }

    @Test
    void messages_areWireCompatibleBothWays() throws Exception {
        X509SVIDResponse ours = sampleX509Response();

        Workload.X509SVIDResponse theirs = Workload.X509SVIDResponse.parseFrom(ours.toByteArray());

        assertThat(theirs.getSvids(0).getSpiffeId()).isEqualTo("spiffe://prod.example.org/ns/shop/sa/web");
        assertThat(theirs.getSvids(0).getX509Svid()).isEqualTo(ours.getSvids(0).getX509Svid());
        assertThat(theirs.getSvids(0).getHint()).isEqualTo("internal");
        assertThat(theirs.getFederatedBundlesMap()).containsKey("spiffe://partner.example.com");
        assertThat(X509SVIDResponse.parseFrom(theirs.toByteArray())).isEqualTo(ours);
    }

    @Test
    void javaSpiffeStub_talksToAServerBuiltOnOurClasses() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new FakeWorkloadApi())
                .build()
                .start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        Metadata headers = new Metadata();
        headers.put(SECURITY_HEADER, "true");
        var stub = io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        try {
            Iterator<Workload.X509SVIDResponse> x509 =
                    stub.fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance());
            assertThat(x509.next().getSvids(0).getSpiffeId()).isEqualTo("spiffe://prod.example.org/ns/shop/sa/web");

            Iterator<Workload.X509BundlesResponse> bundles =
                    stub.fetchX509Bundles(Workload.X509BundlesRequest.getDefaultInstance());
            assertThat(bundles.next().getBundlesMap()).containsKey("spiffe://prod.example.org");

            Workload.JWTSVIDResponse jwt = stub.fetchJWTSVID(
                    Workload.JWTSVIDRequest.newBuilder().addAudience("payments").build());
            assertThat(jwt.getSvids(0).getSvid()).isEqualTo("header.payload.signature for [payments]");

            Workload.ValidateJWTSVIDResponse validated = stub.validateJWTSVID(Workload.ValidateJWTSVIDRequest
                    .newBuilder().setAudience("payments").setSvid("header.payload.signature").build());
            assertThat(validated.getSpiffeId()).isEqualTo("spiffe://prod.example.org/ns/shop/sa/web");
            assertThat(validated.getClaims().getFieldsMap().get("aud").getStringValue()).isEqualTo("payments");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private static X509SVIDResponse sampleX509Response() {
        return X509SVIDResponse.newBuilder()
                .addSvids(X509SVID.newBuilder()
                        .setSpiffeId("spiffe://prod.example.org/ns/shop/sa/web")
                        .setX509Svid(ByteString.copyFrom(new byte[] {0x30, (byte) 0x82, 0x01, 0x0a}))
                        .setX509SvidKey(ByteString.copyFrom(new byte[] {0x30, 0x41}))
                        .setBundle(ByteString.copyFrom(new byte[] {0x30, 0x42}))
                        .setHint("internal"))
                .addCrl(ByteString.copyFrom(new byte[] {0x30, 0x10}))
                .putFederatedBundles("spiffe://partner.example.com", ByteString.copyFrom(new byte[] {0x30, 0x43}))
                .build();
    }

    /** A stand-in Workload API on meshid's generated classes: one canned answer per rpc. */
    private static final class FakeWorkloadApi extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {

        @Override
        public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> responseObserver) {
            responseObserver.onNext(sampleX509Response());
            responseObserver.onCompleted();
        }

        @Override
        public void fetchX509Bundles(X509BundlesRequest request,
                StreamObserver<X509BundlesResponse> responseObserver) {
            responseObserver.onNext(X509BundlesResponse.newBuilder()
                    .putBundles("spiffe://prod.example.org", ByteString.copyFrom(new byte[] {0x30, 0x42}))
                    .build());
            responseObserver.onCompleted();
        }

        @Override
        public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> responseObserver) {
            responseObserver.onNext(JWTSVIDResponse.newBuilder()
                    .addSvids(JWTSVID.newBuilder()
                            .setSpiffeId("spiffe://prod.example.org/ns/shop/sa/web")
                            .setSvid("header.payload.signature for " + request.getAudienceList()))
                    .build());
            responseObserver.onCompleted();
        }

        @Override
        public void validateJWTSVID(ValidateJWTSVIDRequest request,
                StreamObserver<ValidateJWTSVIDResponse> responseObserver) {
            responseObserver.onNext(ValidateJWTSVIDResponse.newBuilder()
                    .setSpiffeId("spiffe://prod.example.org/ns/shop/sa/web")
                    .setClaims(Struct.newBuilder()
                            .putFields("aud", Value.newBuilder().setStringValue(request.getAudience()).build()))
                    .build());
            responseObserver.onCompleted();
        }
    }
}
