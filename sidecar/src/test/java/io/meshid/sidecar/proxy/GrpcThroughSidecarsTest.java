package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Answers;
import io.meshid.sidecar.testing.EchoGrpcServer;
import io.meshid.sidecar.testing.Mesh;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 3/5: gRPC from a real grpc-java client (h2c with prior knowledge to a's outbound
 * listener) through both sidecars (h2 over mutual TLS, ALPN) to a real grpc-java server (h2c behind
 * b's inbound listener): unary, server, client and bidirectional streaming; a denied method is
 * {@code PERMISSION_DENIED} with the request id; a flow-controlled reader stalls the server instead
 * of the sidecars buffering.
 */
class GrpcThroughSidecarsTest {

    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    static EchoGrpcServer server;
    static Mesh mesh;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = new EchoGrpcServer();
        mesh = new Mesh(Limits.DEFAULTS, server.address());
        mesh.policy.activate(r -> !r.getAction().endsWith("/Forbidden"));
        channel = EchoGrpcServer.channel(mesh.sidecarA.outboundAddress(), "b");
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        mesh.close();
        server.close();
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void unary_goesThroughBothSidecars_withThePeerIdentity() {
        assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpcServer.SAY, options(), "grpc")).isEqualTo("hello grpc");
        assertThat(server.lastXfcc()).isEqualTo("By=" + mesh.idB + ";URI=" + mesh.idA);
        assertThat(mesh.policy.requests()).anySatisfy(r -> assertThat(r.getAction()).isEqualTo("/meshid.test.Echo/Say"));
    }

    @Test
    void serverStreaming_deliversEveryMessage() {
        List<String> got = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, EchoGrpcServer.COUNT, options(), "500").forEachRemaining(got::add);
        assertThat(got).hasSize(500).startsWith("1", "2").endsWith("500");
    }

    @Test
    void clientStreaming_deliversEveryMessage() throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(EchoGrpcServer.JOIN, options()), observer(result));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            requests.onNext("m" + i + ",");
            expected.append("m").append(i).append(',');
        }
        requests.onCompleted();
        assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(expected.toString());
    }

    @Test
    void bidirectionalStreaming_answersEachMessageBeforeTheClientHalfCloses() throws Exception {
        Answers answers = new Answers();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(EchoGrpcServer.CHAT, options()), answers);
        for (int i = 0; i < 20; i++) {
            requests.onNext("ping " + i);
            // the answer to this message arrives while the request stream is still open
            assertThat(answers.messages.poll(30, TimeUnit.SECONDS)).isEqualTo("echo ping " + i);
        }
        requests.onCompleted();
        assertThat(answers.done.get(30, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    @Test
    void deniedMethod_isPermissionDenied_withTheRequestId_andNeverReachesTheServer() {
        var forbidden = EchoGrpcServer.method("Forbidden", io.grpc.MethodDescriptor.MethodType.UNARY);
        int before = server.calls();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, forbidden, options(), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("denied").contains("request-id: ");
                    assertThat(e.getTrailers().get(REQUEST_ID)).isNotBlank();
                });
        assertThat(server.calls()).isEqualTo(before);
        // and the connection keeps serving
        assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpcServer.SAY, options(), "again")).isEqualTo("hello again");
    }

    @Test
    void callerRevokedWhileItsHttp2ConnectionIsOpen_isPermissionDeniedOnThatConnection_andNeverReachesTheServer() {
        // A client connection of its own: the call before the revocation puts a's pooled h2
        // connection to b (of that connection's event loop) in place, and the call after it must
        // travel on that very connection: b admits no new connection in between.
        ManagedChannel pinned = EchoGrpcServer.channel(mesh.sidecarA.outboundAddress(), "b");
        try {
            assertThat(ClientCalls.blockingUnaryCall(pinned, EchoGrpcServer.SAY, options(), "before")).isEqualTo("hello before");
            long accepted = mesh.sidecarB.inboundConnectionsAccepted();
            assertThat(mesh.sidecarB.inboundConnections()).isPositive();
            int before = server.calls();
            mesh.revoke(mesh.sourceA.svid().leaf());
            try {
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(pinned, EchoGrpcServer.SAY, options(), "after"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).contains("revoked certificate");
                            assertThat(e.getTrailers().get(REQUEST_ID)).isNotBlank();
                        });
                assertThat(mesh.sidecarB.inboundConnectionsAccepted())
                        .as("the refusal came on the connection opened before the revocation, not in a new handshake")
                        .isEqualTo(accepted);
                // b closed that connection after the refusal (GOAWAY): a new one fails in the handshake,
                // or a stream that raced the GOAWAY is refused; never forwarded.
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(pinned, EchoGrpcServer.SAY, options(), "again"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE));
                assertThat(server.calls()).isEqualTo(before);
            } finally {
                mesh.revoke();
            }
            assertThat(ClientCalls.blockingUnaryCall(pinned, EchoGrpcServer.SAY, options(), "back")).isEqualTo("hello back");
        } finally {
            pinned.shutdownNow();
        }
    }

    @Test
    void unknownService_isUnimplemented_notForwardedInPlaintext() {
        ManagedChannel nowhere = EchoGrpcServer.channel(mesh.sidecarA.outboundAddress(), "nowhere");
        try {
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(nowhere, EchoGrpcServer.SAY, options(), "x"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        } finally {
            nowhere.shutdownNow();
        }
    }

    @Test
    void slowReader_stallsTheServer_insteadOfTheSidecarsBuffering() throws Exception {
        // The client asks for one message and reads no more: flow control must reach the server.
        ClientCall<String, String> call = channel.newCall(EchoGrpcServer.FLOOD, options());
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(String message) {
                got.add(message);
            }
        }, new Metadata());
        call.sendMessage("256");
        call.halfClose();
        call.request(1);
        assertThat(got.poll(30, TimeUnit.SECONDS)).hasSize(16 * 1024);
        long sent;
        long stable = 0;
        do {
            sent = server.floodBytes();
            Thread.sleep(200);
            stable = server.floodBytes() == sent ? stable + 1 : 0;
        } while (stable < 10);
        // 256 MiB were offered; what left the server is bounded by the flow-control windows and the
        // water marks of each hop (a few MiB), not by the sidecars buffering.
        assertThat(server.floodBytes()).isLessThan(32L * 1024 * 1024);
        call.cancel("done", null);
    }

    private static StreamObserver<String> observer(CompletableFuture<String> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
