package io.meshid.common.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ErrorMappingInterceptorTest {

    private Server server;
    private ManagedChannel channel;

    private HealthGrpc.HealthBlockingStub serving(Supplier<RuntimeException> failure) throws IOException {
        String name = InProcessServerBuilder.generateName();
        HealthGrpc.HealthImplBase service = new HealthGrpc.HealthImplBase() {
            @Override
            public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
                throw failure.get();
            }
        };
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new ErrorMappingInterceptor())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return HealthGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private static Status callFails(HealthGrpc.HealthBlockingStub stub) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> stub.check(HealthCheckRequest.getDefaultInstance())).getStatus();
    }

    @Test
    void domainException_becomesItsStatus_withItsMessage() throws IOException {
        Status status = callFails(serving(() -> new MeshidException.InvalidArgument("ttl: PT0S (expected: between PT1M and PT24H)")));

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("ttl: PT0S (expected: between PT1M and PT24H)");
    }

    @Test
    void statusRuntimeException_keepsItsStatus() throws IOException {
        Status status = callFails(serving(() -> Status.PERMISSION_DENIED.withDescription("no").asRuntimeException()));

        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo("no");
    }

    @Test
    void unexpectedException_isInternal_withoutItsDetails() throws IOException {
        Status status = callFails(serving(() -> new IllegalStateException("secret detail")));

        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).doesNotContain("secret detail");
    }

    private static ErrorInfo errorInfo(HealthGrpc.HealthBlockingStub stub) throws Exception {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub.check(HealthCheckRequest.getDefaultInstance()));
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        assertThat(details).as("status details").isNotNull();
        assertThat(details.getCode()).isEqualTo(e.getStatus().getCode().value());
        assertThat(details.getDetailsList()).hasSize(1);
        return details.getDetails(0).unpack(ErrorInfo.class);
    }

    @Test
    void reason_travelsAsErrorInfo_inTheStatusDetails() throws Exception {
        ErrorInfo info = errorInfo(serving(() -> new MeshidException.InvalidArgument("subject_token: expired", "INVALID_GRANT")));

        assertThat(info.getReason()).isEqualTo("INVALID_GRANT");
        assertThat(info.getDomain()).isEqualTo("meshid.io");
    }

    @Test
    void withoutReason_theErrorInfoReasonIsTheCodeName() throws Exception {
        assertThat(errorInfo(serving(() -> new MeshidException.PermissionDenied("no"))).getReason()).isEqualTo("PERMISSION_DENIED");
    }

    @Test
    void unexpectedException_hasReasonInternal() throws Exception {
        assertThat(errorInfo(serving(() -> new IllegalStateException("secret detail"))).getReason()).isEqualTo("INTERNAL");
    }

    @Test
    void malformedReason_isRefusedWhereTheExceptionIsMade() {
        assertThatThrownBy(() -> new MeshidException.InvalidArgument("x", "invalid grant")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UPPER_SNAKE_CASE");
    }
}
