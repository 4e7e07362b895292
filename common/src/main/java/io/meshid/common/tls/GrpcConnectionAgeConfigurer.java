package io.meshid.common.tls;

import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the life of every client connection to a meshid gRPC server: after
 * {@code meshid.tls.max-connection-age} (grpc-java adds up to ±10% jitter) the server sends GOAWAY
 * and the connection's calls get {@code meshid.tls.max-connection-age-grace} to finish, streams
 * included; a connection without a call for {@code meshid.tls.max-connection-idle} is closed.
 * Clients reconnect by themselves with a full handshake ({@link NoResumptionSslContext}), so
 * nothing a handshake decided lives longer than the age plus the grace. Applied in every mode.
 */
@Singleton
final class GrpcConnectionAgeConfigurer implements BeanCreatedEventListener<ServerBuilder<?>> {

    private final TlsConfig config;

    GrpcConnectionAgeConfigurer(TlsConfig config) {
        this.config = config;
    }

    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        ServerBuilder<?> builder = event.getBean();
        if (builder instanceof NettyServerBuilder netty) {
            netty.maxConnectionAge(config.getMaxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
                    .maxConnectionAgeGrace(config.getMaxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
                    .maxConnectionIdle(config.getMaxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS);
        }
        return builder;
    }
}
