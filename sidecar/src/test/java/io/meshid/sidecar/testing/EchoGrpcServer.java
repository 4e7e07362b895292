package io.meshid.sidecar.testing;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshid.common.testing.TextMethods;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real grpc-java server (Netty, h2c on loopback: a workload behind its sidecar) with a service
 * defined without protobuf ({@code meshid.test.Echo}, UTF-8 string messages): unary {@code Say},
 * server streaming {@code Count} and {@code Flood} (as fast as flow control lets it), client
 * streaming {@code Join}, bidirectional {@code Chat}. Remembers the identity header its sidecar
 * passed and counts calls. Thread-safe.
 */
public final class EchoGrpcServer implements AutoCloseable {

    public static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<String, String> FLOOD = method("Flood", MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<String, String> JOIN = method("Join", MethodDescriptor.MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<String, String> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

    private static final Metadata.Key<String> XFCC = Metadata.Key.of("x-forwarded-client-cert", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final AtomicReference<String> lastXfcc = new AtomicReference<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong floodBytes = new AtomicLong();
    private final AtomicInteger chatsEnded = new AtomicInteger();

    public EchoGrpcServer() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("meshid.test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {
                    out.onNext("hello " + request);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String request, StreamObserver<String> out) -> {
                    for (int i = 1; i <= Integer.parseInt(request); i++) {
                        out.onNext(Integer.toString(i));
                    }
                    out.onCompleted();
                }))
                .addMethod(FLOOD, ServerCalls.asyncServerStreamingCall(this::flood))
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<String>() {
                    private final StringBuilder joined = new StringBuilder();

                    @Override
                    public void onNext(String value) {
                        joined.append(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext(joined.toString());
                        out.onCompleted();
                    }
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext("echo " + value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        chatsEnded.incrementAndGet();
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service, new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                            ServerCallHandler<Q, R> next) {
                        calls.incrementAndGet();
                        lastXfcc.set(headers.get(XFCC));
                        return next.startCall(call, headers);
                    }
                }))
                .build()
                .start();
    }

    /** Sends 16 KiB messages while the transport takes them (isReady), up to {@code request} MiB. */
    private void flood(String request, StreamObserver<String> out) {
        ServerCallStreamObserver<String> stream = (ServerCallStreamObserver<String>) out;
        String chunk = "x".repeat(16 * 1024);
        long limit = Long.parseLong(request) * 1024 * 1024;
        Runnable pump = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                while (!done && stream.isReady() && !stream.isCancelled()) {
                    if (floodBytes.get() >= limit) {
                        done = true;
                        stream.onCompleted();
                        return;
                    }
                    stream.onNext(chunk);
                    floodBytes.addAndGet(chunk.length());
                }
            }
        };
        stream.setOnReadyHandler(pump);
        stream.setOnCancelHandler(() -> { });
        pump.run();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    /** A plaintext (h2c) channel to {@code address} with {@code authority} as {@code :authority}. */
    public static ManagedChannel channel(InetSocketAddress address, String authority) {
        return NettyChannelBuilder.forAddress(address).usePlaintext().overrideAuthority(authority).build();
    }

    public String lastXfcc() {
        return lastXfcc.get();
    }

    public int calls() {
        return calls.get();
    }

    /** Chat (bidi) calls that ended with an error on the server's side (cancelled by the client or a proxy). */
    public int chatsEndedInError() {
        return chatsEnded.get();
    }

    public long floodBytes() {
        return floodBytes.get();
    }

    /** The method {@code name} of {@code meshid.test.Echo}, with UTF-8 string messages. */
    public static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return TextMethods.of(MethodDescriptor.generateFullMethodName("meshid.test.Echo", name), type);
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
