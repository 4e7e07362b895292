package io.meshid.common.server;

import io.grpc.ServerBuilder;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

/**
 * On a server with {@link InlineCalls}, gRPC delivers every call on the transport's event loop
 * ({@code directExecutor}), and {@link OffloadingInterceptor} moves the ones that may block to the
 * {@link RpcExecutor}. Inline calls then skip a thread hand-off, and their replies are flushed with
 * the others answered in the same event-loop turn. A server without {@link InlineCalls} keeps
 * gRPC's executor for every call.
 */
@Singleton
@Requires(beans = InlineCalls.class)
final class GrpcCallExecutorConfigurer implements BeanCreatedEventListener<ServerBuilder<?>> {

    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        return event.getBean().directExecutor();
    }
}
