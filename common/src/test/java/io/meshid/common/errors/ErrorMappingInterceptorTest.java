package io.meshid.common.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
        channel.shutdownNow();
        server.shutdownNow();
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
}
