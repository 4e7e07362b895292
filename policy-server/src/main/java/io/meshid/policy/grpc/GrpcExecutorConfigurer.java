package io.meshid.policy.grpc;

import io.grpc.ServerBuilder;
import io.meshid.policy.PolicyConfig;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs policy-server's rpcs on a fixed pool of {@code meshid.policy.grpc-threads} threads (the
 * number of cores by default) instead of grpc-java's unbounded cached pool: each evaluating thread
 * keeps its own natively cached Cedar slices, so few long-lived threads mean warm slice caches and
 * a bounded number of cached sets. The decision path never blocks, so the pool stays small.
 */
@Singleton
final class GrpcExecutorConfigurer implements BeanCreatedEventListener<ServerBuilder<?>> {

    private final ExecutorService executor;

    GrpcExecutorConfigurer(PolicyConfig config) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> Thread.ofPlatform().daemon().name("meshid-policy-grpc-" + n.incrementAndGet()).unstarted(r);
        this.executor = Executors.newFixedThreadPool(config.getGrpcThreads(), threads);
    }

    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        return event.getBean().executor(executor);
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
