package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.EchoGrpcServer;
import io.meshid.sidecar.testing.Mesh;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 8: the HTTP/2 rapid-reset flood (CVE-2023-44487): a client opens streams and
 * cancels each at once, thousands of times. The sidecar ends that connection with
 * {@code GOAWAY ENHANCE_YOUR_CALM}, and keeps serving everyone else.
 */
class RapidResetTest {

    private static final int FLOOD = 2_000;

    @Test
    void headersAndRstStreamFlood_getsGoAwayEnhanceYourCalm_andOthersAreStillServed() throws Exception {
        try (EchoGrpcServer server = new EchoGrpcServer(); Mesh mesh = new Mesh(Limits.DEFAULTS, server.address())) {
            mesh.policy.activate(r -> true);
            byte[] flood = floodBytes();
            int goAwayError = -1;
            try (Socket socket = new Socket(mesh.sidecarA.outboundAddress().getAddress(),
                    mesh.sidecarA.outboundAddress().getPort())) {
                socket.setSoTimeout(30_000);
                // write on another thread and read here, so that the GOAWAY is read even when the
                // sidecar closes before it has read the whole flood
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        socket.getOutputStream().write(flood);
                        socket.getOutputStream().flush();
                    } catch (IOException closedWhileWriting) {
                        // expected: the sidecar closed the connection
                    }
                });
                goAwayError = readUntilGoAway(new DataInputStream(socket.getInputStream()));
                writer.join(30_000);
            }
            assertThat(goAwayError).as("GOAWAY error code").isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
            assertThat(server.calls()).as("calls that reached the workload").isLessThan(FLOOD);
            ManagedChannel channel = EchoGrpcServer.channel(mesh.sidecarA.outboundAddress(), "b");
            try {
                assertThat(ClientCalls.blockingUnaryCall(channel, EchoGrpcServer.SAY,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "still")).isEqualTo("hello still");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** The connection preface, SETTINGS, then HEADERS + RST_STREAM(CANCEL) for streams 1, 3, 5, … */
    private static byte[] floodBytes() {
        EmbeddedChannel sink = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = sink.pipeline().firstContext();
        DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        byte[] p = new byte[preface.readableBytes()];
        preface.getBytes(preface.readerIndex(), p);
        out.writeBytes(p);
        writer.writeSettings(ctx, new Http2Settings(), sink.newPromise());
        for (int i = 0; i < FLOOD; i++) {
            int stream = 1 + 2 * i;
            Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority("b")
                    .path("/meshid.test.Echo/Say").set("content-type", "application/grpc").set("te", "trailers");
            writer.writeHeaders(ctx, stream, headers, 0, false, sink.newPromise());
            writer.writeRstStream(ctx, stream, Http2Error.CANCEL.code(), sink.newPromise());
        }
        sink.flushOutbound();
        ByteBuf b;
        while ((b = sink.readOutbound()) != null) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        sink.finishAndReleaseAll();
        return out.toByteArray();
    }

    /** Reads frames until a GOAWAY (its error code) or the end of the stream (-1). */
    private static int readUntilGoAway(DataInputStream in) throws IOException {
        byte[] header = new byte[9];
        while (true) {
            try {
                in.readFully(header);
            } catch (EOFException | SocketException end) {
                return -1;
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == 0x7) {
                return ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
            }
        }
    }
}
