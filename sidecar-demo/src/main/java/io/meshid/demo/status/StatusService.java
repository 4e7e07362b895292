package io.meshid.demo.status;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The dev mesh's gRPC workload: gRPC's standard health service ({@code grpc.health.v1.Health},
 * {@code Check} and {@code Watch}) for the whole server and for the service name {@code status},
 * plus server reflection, in plaintext (h2c) on loopback behind its sidecar. Each call's caller,
 * as its sidecar passed it in {@code x-forwarded-client-cert}, is printed, which is all this
 * workload knows of meshid.
 *
 * <p>{@code java -cp … io.meshid.demo.status.StatusService HOST:PORT} (port 0: the OS chooses).
 * Prints {@code status listening on HOST:PORT} once it accepts connections.
 */
public final class StatusService implements AutoCloseable {

    static final Metadata.Key<String> XFCC = Metadata.Key.of("x-forwarded-client-cert", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;

    private StatusService(Server server) {
        this.server = server;
    }

    /** Starts serving on {@code address}. */
    public static StatusService start(InetSocketAddress address) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus("status", ServingStatus.SERVING);
        Server server = NettyServerBuilder.forAddress(address)
                .addService(ServerInterceptors.intercept(health.getHealthService(), new CallerLog()))
                .addService(ProtoReflectionServiceV1.newInstance())
                .build()
                .start();
        return new StatusService(server);
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().getFirst();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }

    /** Prints each call's method and caller identity as the sidecar passed it. */
    private static final class CallerLog implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String xfcc = headers.get(XFCC);
            System.out.println("status: " + call.getMethodDescriptor().getFullMethodName() + " from "
                    + (xfcc == null ? "(no x-forwarded-client-cert: not through a sidecar)" : xfcc));
            return next.startCall(call, headers);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].matches("[^:]+:\\d{1,5}")) {
            System.err.println("usage: StatusService HOST:PORT (got: " + String.join(" ", args) + ")");
            System.exit(2);
        }
        int colon = args[0].lastIndexOf(':');
        StatusService service = start(new InetSocketAddress(args[0].substring(0, colon), Integer.parseInt(args[0].substring(colon + 1))));
        System.out.println("status listening on " + service.address().getHostString() + ":" + service.address().getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }, "status-shutdown"));
        stopped.await();
    }
}
