package io.meshid.common.server;

import io.grpc.protobuf.services.HealthStatusManager;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerShutdownEvent;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the gRPC health status to {@code NOT_SERVING} as soon as the process begins to shut down,
 * so that load balancers and health watchers stop sending new calls while the gRPC server lets
 * the calls in flight finish ({@code grpc.server.await-termination}).
 */
@Singleton
@Requires(beans = HealthStatusManager.class)
final class GrpcHealthLifecycle implements ApplicationEventListener<ServerShutdownEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcHealthLifecycle.class);

    private final HealthStatusManager health;
    private final AtomicBoolean terminal = new AtomicBoolean();

    GrpcHealthLifecycle(HealthStatusManager health) {
        this.health = health;
    }

    @Override
    public void onApplicationEvent(ServerShutdownEvent event) {
        // Both the HTTP and the gRPC server announce their shutdown; the first one counts.
        if (!terminal.compareAndSet(false, true)) {
            return;
        }
        LOG.info("shutting down: gRPC health is now NOT_SERVING, calls in flight may finish");
        health.enterTerminalState();
    }
}
