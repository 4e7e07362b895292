package io.meshid.common.server;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The default {@link RpcExecutor}: one virtual thread per call, named {@code meshid-rpc-N}. A call
 * that waits on JDBC, Redis or the CA parks its virtual thread instead of holding a platform
 * thread, so there is no pool size to tune; how many calls run at once is bounded by the rate
 * limits and by HTTP/2's concurrent streams per connection.
 */
@Factory
final class RpcExecutorFactory {

    private ExecutorService executor;

    @Singleton
    @Requires(beans = InlineCalls.class)
    RpcExecutor rpcExecutor() {
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("meshid-rpc-", 1).factory());
        return executor::execute;
    }

    @PreDestroy
    void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
