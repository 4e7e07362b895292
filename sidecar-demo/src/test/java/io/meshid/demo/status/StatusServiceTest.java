package io.meshid.demo.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gRPC workload over a real plaintext (h2c) channel, as its sidecar reaches it. */
class StatusServiceTest {

    @Test
    void healthCheck_isServing_forTheServerAndForStatus() throws Exception {
        try (StatusService service = StatusService.start(new InetSocketAddress("127.0.0.1", 0))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", service.address().getPort()).usePlaintext().build();
            try {
                var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
                assertThat(health.check(HealthCheckRequest.newBuilder().setService("status").build()).getStatus())
                        .isEqualTo(ServingStatus.SERVING);
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
