package io.meshid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

/**
 * Envoy's ext_authz contract comes as generated classes from {@code io.envoyproxy.controlplane:api}, built
 * with protobuf 3.25 and grpc 1.62. These tests prove that code runs on this project's protobuf-java 4.x and
 * grpc 1.83 runtime: messages round-trip, descriptors load, and a call goes through a real (in-process)
 * channel.
 */
class EnvoyApiCompatibilityTest {

    private static CheckRequest sampleRequest() {
        AttributeContext.Peer source = AttributeContext.Peer.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.0.0.7").setPortValue(43120)))
                .setPrincipal("spiffe://prod.example.org/ns/shop/sa/web")
                .setCertificate("-----BEGIN CERTIFICATE-----\n...")
                .build();
        AttributeContext.Request request = AttributeContext.Request.newBuilder()
                .setTime(Timestamp.newBuilder().setSeconds(1_767_225_600L))
                .setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setId("req-1")
                        .setMethod("POST")
                        .setPath("/payments.v1.Payments/Charge")
                        .setHost("payments.internal")
                        .setProtocol("HTTP/2")
                        .putHeaders("content-type", "application/grpc")
                        .putHeaders("x-request-id", "req-1"))
                .build();
        return CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder()
                        .setSource(source)
                        .setDestination(AttributeContext.Peer.newBuilder()
                                .setPrincipal("spiffe://prod.example.org/ns/payments/sa/api"))
                        .setRequest(request)
                        .putContextExtensions("route", "charge")
                        .setMetadataContext(io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                                .putFilterMetadata("meshid", Struct.newBuilder()
                                        .putFields("tier", Value.newBuilder().setStringValue("gold").build())
                                        .build())))
                .build();
    }

    @Test
    void checkRequest_roundTripsThroughBytes() throws Exception {
        CheckRequest original = sampleRequest();

        CheckRequest parsed = CheckRequest.parseFrom(original.toByteArray());

        assertThat(parsed).isEqualTo(original);
        assertThat(parsed.getAttributes().getSource().getPrincipal())
                .isEqualTo("spiffe://prod.example.org/ns/shop/sa/web");
        assertThat(parsed.getAttributes().getRequest().getHttp().getHeadersMap())
                .containsEntry("content-type", "application/grpc");
        assertThat(parsed.getAttributes().getMetadataContext().getFilterMetadataMap().get("meshid")
                .getFieldsMap().get("tier").getStringValue()).isEqualTo("gold");
    }

    @Test
    void serviceDescriptor_loads() {
        var descriptor = AuthorizationGrpc.getServiceDescriptor();

        assertThat(descriptor.getName()).isEqualTo("envoy.service.auth.v3.Authorization");
        assertThat(descriptor.getMethods()).extracting(m -> m.getFullMethodName())
                .containsExactly("envoy.service.auth.v3.Authorization/Check");
        assertThat(CheckRequest.getDescriptor().getFile().getPackage()).isEqualTo("envoy.service.auth.v3");
    }

    @Test
    void check_goesThroughAnInProcessChannel() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> responseObserver) {
                        String principal = request.getAttributes().getSource().getPrincipal();
                        responseObserver.onNext(CheckResponse.newBuilder()
                                .setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE)
                                        .setMessage("denied: " + principal))
                                .setDeniedResponse(DeniedHttpResponse.newBuilder()
                                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
                                        .addHeaders(HeaderValueOption.newBuilder().setHeader(
                                                HeaderValue.newBuilder().setKey("x-meshid-policy").setValue("p1"))))
                                .build());
                        responseObserver.onCompleted();
                    }
                })
                .build()
                .start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            CheckResponse response = AuthorizationGrpc.newBlockingStub(channel).check(sampleRequest());

            assertThat(response.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
            assertThat(response.getStatus().getMessage())
                    .isEqualTo("denied: spiffe://prod.example.org/ns/shop/sa/web");
            assertThat(response.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.Forbidden);
            assertThat(response.getDeniedResponse().getHeaders(0).getHeader().getValue()).isEqualTo("p1");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
