package io.meshid.common.server;

import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

/**
 * Applies {@link GrpcLimitsConfig#getMaxConcurrentCallsPerConnection()} to every meshid gRPC
 * server: one connection cannot hold more calls open at once (HTTP/2
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}), so it cannot take every worker of the server.
 * Streaming calls have a tighter bound of their own ({@link StreamLimitInterceptor}).
 */
@Singleton
final class ConnectionLimitsConfigurer implements BeanCreatedEventListener<ServerBuilder<?>> {

    private final GrpcLimitsConfig config;

    ConnectionLimitsConfigurer(GrpcLimitsConfig config) {
        this.config = config;
    }

    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        ServerBuilder<?> builder = event.getBean();
        if (builder instanceof NettyServerBuilder netty) {
            apply(netty, config);
        }
        return builder;
    }

    /** Sets the per-connection call limit on {@code builder} (for servers built by hand and tests). */
    static NettyServerBuilder apply(NettyServerBuilder builder, GrpcLimitsConfig config) {
        return builder.maxConcurrentCallsPerConnection(config.getMaxConcurrentCallsPerConnection());
    }
}
