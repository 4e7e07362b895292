package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.RawHttp;
import io.meshid.sidecar.testing.UpgradeEchoServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.Socket;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/**
 * Upgrades the sidecar does not tunnel: a request is decided once, so only a WebSocket upgrade
 * may turn a connection into a byte tunnel. {@code Upgrade: h2c} (HTTP/2 requests inside it would
 * never be decided), any other upgrade token, {@code CONNECT} and HTTP/2's extended
 * {@code CONNECT} (RFC 8441, WebSocket over HTTP/2) are never passed through unchecked.
 */
class UpgradeAttackTest {

    @Test
    void h2cUpgrade_toAWorkloadThatWouldSwitch_isNeverTunnelled() throws Exception {
        try (UpgradeEchoServer switching = new UpgradeEchoServer(); Mesh mesh = new Mesh(Limits.DEFAULTS, switching.address())) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                http.send("GET /echo HTTP/1.1\r\nHost: b\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                        + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
                // the Upgrade was not forwarded; the workload switched anyway, unasked: refused by b's
                // sidecar, no tunnel anywhere
                assertThat(http.read().status()).isEqualTo(502);
                // the connection still speaks HTTP/1.1: the next request is answered, not echoed
                assertThat(http.exchange("GET /again HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(502);
            }
        }
    }

    @Test
    void h2cUpgrade_isServedAsAnOrdinaryHttp11Request_withoutTheUpgrade() throws Exception {
        try (Mesh mesh = new Mesh(Limits.DEFAULTS)) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                RawHttp.Response response = http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n"
                        + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).doesNotContain("upgrade:").doesNotContain("http2-settings:");
            }
        }
    }

    @Test
    void connect_isRefused_andNeverForwarded() throws Exception {
        try (Mesh mesh = new Mesh(Limits.DEFAULTS)) {
            mesh.policy.activate(r -> true);
            try (RawHttp http = mesh.outbound()) {
                RawHttp.Response response = http.exchange("CONNECT b:443 HTTP/1.1\r\nHost: b\r\n\r\n");
                assertThat(response.status()).isEqualTo(405);
                assertThat(response.body()).contains("CONNECT");
            }
            assertThat(mesh.policy.requests()).isEmpty();
        }
    }

    @Test
    void http2ExtendedConnect_webSocketOverHttp2_isRefused() throws Exception {
        try (Mesh mesh = new Mesh(Limits.DEFAULTS)) {
            mesh.policy.activate(r -> true);
            try (Socket socket = new Socket(mesh.sidecarA.outboundAddress().getAddress(), mesh.sidecarA.outboundAddress().getPort())) {
                socket.setSoTimeout(20_000);
                Http2Headers connect = new DefaultHttp2Headers().method("CONNECT").scheme("http").authority("b")
                        .path("/chat").set(":protocol", "websocket").set("sec-websocket-version", "13");
                socket.getOutputStream().write(prefaceAndHeaders(connect));
                socket.getOutputStream().flush();
                String answer = readStreamOneAnswer(new DataInputStream(socket.getInputStream()));
                assertThat(answer).isIn(":status 405", "RST_STREAM");
            }
            assertThat(mesh.policy.requests()).isEmpty();
        }
    }

    private static byte[] prefaceAndHeaders(Http2Headers headers) {
        EmbeddedChannel sink = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = sink.pipeline().firstContext();
        DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        byte[] p = new byte[preface.readableBytes()];
        preface.getBytes(preface.readerIndex(), p);
        out.writeBytes(p);
        writer.writeSettings(ctx, new Http2Settings(), sink.newPromise());
        writer.writeHeaders(ctx, 1, headers, 0, false, sink.newPromise());
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

    /** Reads frames until stream 1 gets HEADERS (":status N") or RST_STREAM, or the connection ends. */
    private static String readStreamOneAnswer(DataInputStream in) throws Exception {
        byte[] header = new byte[9];
        DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
        while (true) {
            try {
                in.readFully(header);
            } catch (EOFException | SocketException end) {
                return "connection closed";
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            int stream = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8) | (header[8] & 0xff);
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (stream == 1 && type == 0x3) {
                return "RST_STREAM";
            }
            if (stream == 1 && type == 0x1) {
                Http2Headers got = decoder.decodeHeaders(1, Unpooled.wrappedBuffer(payload));
                return ":status " + got.status();
            }
            if (type == 0x7) {
                return "GOAWAY";
            }
        }
    }
}
