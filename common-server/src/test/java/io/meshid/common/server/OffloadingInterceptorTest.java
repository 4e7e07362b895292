package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.meshid.common.testing.TextMethods;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real gRPC server on loopback with {@code directExecutor}, as {@link GrpcCallExecutorConfigurer}
 * builds it, behind {@link OffloadingInterceptor}: inline calls run on the event loop, the others
 * on the rpc executor, with the call's context, and a blocked call does not hold up inline ones.
 */
class OffloadingInterceptorTest {

    private static final Context.Key<String> TAG = Context.key("tag");
    private static final MethodDescriptor<String, String> FAST = method("test.Svc/Fast");
    private static final MethodDescriptor<String, String> SLOW = method("test.Svc/Slow");
    private static final MethodDescriptor<String, String> FAILING = method("test.Svc/Failing");

    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService rpc = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("test-rpc-", 1).factory());
    private Server server;
    private ManagedChannel channel;

    private static MethodDescriptor<String, String> method(String name) {
        return TextMethods.unary(name);
    }

    @BeforeEach
    void start() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Svc")
                .addMethod(FAST, ServerCalls.asyncUnaryCall((request, reply) -> {
                    reply.onNext(Thread.currentThread().getName() + " " + TAG.get());
                    reply.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((request, reply) -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    reply.onNext(Thread.currentThread().getName() + " " + TAG.get());
                    reply.onCompleted();
                }))
                .addMethod(FAILING, ServerCalls.asyncUnaryCall((request, reply) -> {
                    throw Status.FAILED_PRECONDITION.withDescription("refused: " + request).asRuntimeException();
                }))
                .build();
        InlineCalls inline = (call, headers) -> call.getMethodDescriptor().getFullMethodName().equals(FAST.getFullMethodName());
        // The interceptor closest to the handler puts a value in the context; the handler must see it on either thread.
        io.grpc.ServerInterceptor tagging = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                    io.grpc.ServerCallHandler<Q, R> next) {
                return io.grpc.Contexts.interceptCall(Context.current().withValue(TAG, "tagged"), call, headers, next);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(ServerInterceptors.intercept(service, tagging, new OffloadingInterceptor(inline, rpc::execute)))
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        rpc.shutdownNow();
    }

    private String call(MethodDescriptor<String, String> method) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "x");
    }

    @Test
    void inlineCallsRunOnTheEventLoopAndOthersOnTheRpcExecutorWithTheirContext() {
        assertThat(call(FAST)).doesNotStartWith("test-rpc-").endsWith(" tagged");
        release.countDown();
        assertThat(call(SLOW)).startsWith("test-rpc-").endsWith(" tagged");
    }

    @Test
    void aBlockedCallDoesNotHoldUpInlineCalls() throws Exception {
        var slow = ClientCalls.futureUnaryCall(channel.newCall(SLOW, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), "x");
        for (int i = 0; i < 20; i++) {
            assertThat(call(FAST)).endsWith(" tagged");
        }
        assertThat(slow.isDone()).isFalse();
        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).startsWith("test-rpc-");
    }

    @Test
    void anOffloadedHandlerThatThrowsClosesItsCallWithItsStatus() {
        assertThatThrownBy(() -> call(FAILING)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).isEqualTo("refused: x");
        });
    }
}
