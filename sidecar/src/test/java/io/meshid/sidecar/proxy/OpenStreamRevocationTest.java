package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Answers;
import io.meshid.sidecar.testing.EchoGrpcServer;
import io.meshid.sidecar.testing.Mesh;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Security rule "identity is checked on every call, not once per connection", for calls that
 * outlive their start: a long gRPC stream (bidirectional here; server streaming is the same
 * exchange) whose caller is revoked, or whose caller's SVID expires, while it is open is cut by
 * the sidecars within the sweep, with {@code PERMISSION_DENIED}, even when nothing is sent on it
 * any more; the workload's side of the stream is cancelled too.
 */
class OpenStreamRevocationTest {

    static EchoGrpcServer server;
    static Mesh mesh;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = new EchoGrpcServer();
        mesh = new Mesh(Limits.DEFAULTS, server.address());
        mesh.policy.activate(r -> true);
        channel = EchoGrpcServer.channel(mesh.sidecarA.outboundAddress(), "b");
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        mesh.close();
        server.close();
    }

    @AfterEach
    void restore() {
        mesh.revoke();
        mesh.clock.reset();
    }

    @Test
    void callerRevokedWhileItsStreamIsOpen_theStreamIsCut_withPermissionDenied() throws Exception {
        Chat chat = Chat.open();
        int ended = server.chatsEndedInError();
        mesh.revoke(mesh.sourceA.svid().leaf());
        // nothing more is sent: the revocation alone must end the stream
        Throwable cut = chat.done.handle((ok, error) -> error).get(10, TimeUnit.SECONDS);
        assertThat(Status.fromThrowable(cut).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(Status.fromThrowable(cut).getDescription()).contains("revoked certificate").contains("request-id: ");
        awaitServerSideEnded(ended);
    }

    @Test
    void callerSvidExpiresWhileItsStreamIsOpen_theStreamIsCut_withPermissionDenied() throws Exception {
        Chat chat = Chat.open();
        int ended = server.chatsEndedInError();
        mesh.clock.advance(Duration.between(java.time.Instant.now(), mesh.sourceA.svid().notAfter()).plusMinutes(1));
        Throwable cut = chat.done.handle((ok, error) -> error).get(10, TimeUnit.SECONDS);
        assertThat(Status.fromThrowable(cut).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(Status.fromThrowable(cut).getDescription()).contains("expired");
        awaitServerSideEnded(ended);
    }

    @Test
    void anUnrevokedStream_isLeftOpen_byARevocationOfSomeoneElse() throws Exception {
        Chat chat = Chat.open();
        mesh.revoke(mesh.pki.svid("/ns/demo/sa/someone-else").leaf());
        chat.requests.onNext("still there");
        assertThat(chat.answers.poll(10, TimeUnit.SECONDS)).isEqualTo("echo still there");
        chat.requests.onCompleted();
        assertThat(chat.done.get(10, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    private static void awaitServerSideEnded(int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.chatsEndedInError() == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.chatsEndedInError()).as("the workload's side of the stream was cancelled").isGreaterThan(before);
    }

    /** A bidirectional stream through both sidecars, open and proven to work (one message answered). */
    private record Chat(StreamObserver<String> requests, BlockingQueue<String> answers, CompletableFuture<String> done) {

        static Chat open() throws InterruptedException {
            Answers answers = new Answers();
            StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                    channel.newCall(EchoGrpcServer.CHAT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), answers);
            requests.onNext("hello");
            assertThat(answers.messages.poll(30, TimeUnit.SECONDS)).isEqualTo("echo hello");
            return new Chat(requests, answers.messages, answers.done);
        }
    }
}
