package io.meshid.sidecar.proxy;

import io.meshid.sidecar.config.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP version of a downstream connection and the handlers for it. Over TLS the ALPN result
 * decides ({@code h2}, else HTTP/1.1); in plaintext (the app's side) the first bytes do: the HTTP/2
 * connection preface means h2c with prior knowledge, anything else HTTP/1.1. The upstream speaks
 * the same version: an HTTP/2 stream goes out as a stream of an HTTP/2 connection, an HTTP/1.1
 * request as HTTP/1.1.
 *
 * <p>HTTP/2 limits: at most {@value #MAX_CONCURRENT_STREAMS} concurrent streams per connection,
 * the header list bounded like HTTP/1.1 heads, and Netty's rapid-reset guard: more than
 * {@value #MAX_RST_PER_WINDOW} {@code RST_STREAM} frames from the peer within
 * {@value #RST_WINDOW_SECONDS} s end the connection with {@code GOAWAY ENHANCE_YOUR_CALM}
 * (CVE-2023-44487). An idle HTTP/2 connection (no open stream, nothing read or written for the idle
 * timeout) is closed with {@code GOAWAY}; so is each on drain, after its streams finish.
 * Stateless factory.
 */
final class Protocols {

    static final int MAX_CONCURRENT_STREAMS = 256;
    static final int MAX_RST_PER_WINDOW = 200;
    static final int RST_WINDOW_SECONDS = 30;

    private static final Logger LOG = LoggerFactory.getLogger(Protocols.class);

    private Protocols() {
    }

    /** What every HTTP pipeline needs: the gate, the limits, the transport and the h2 upstream pool. */
    record Setup(Gate gate, Limits limits, Transport transport, HttpDecoderConfig decoding, H2Connections h2) {
    }

    static void http1(ChannelPipeline p, Setup setup) {
        // HttpProxyHandler keeps the idle timeout of an HTTP/1.1 connection itself (cheaper per write)
        if (p.get("idle") != null) {
            p.remove("idle");
        }
        p.addLast("http-decoder", new StrictRequestDecoder(setup.decoding().clone()));
        p.addLast("http-encoder", new HttpResponseEncoder());
        p.addLast("proxy", new HttpProxyHandler(setup.gate(), setup.limits(), setup.transport()));
    }

    static void h2(ChannelPipeline p, Setup setup) {
        Limits limits = setup.limits();
        p.addLast("h2-idle", new H2Idle());
        p.addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(limits.maxHeaderBytes()))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_PER_WINDOW, RST_WINDOW_SECONDS)
                .gracefulShutdownTimeoutMillis(limits.drainTimeout().toMillis())
                .validateHeaders(true)
                .build());
        p.addLast("multiplex", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true));
                stream.pipeline().addLast("proxy", new HttpProxyHandler(setup.gate(), limits, setup.transport(), setup.h2()));
            }
        }));
    }

    /** Over TLS: ALPN {@code h2} gets HTTP/2, anything else (or no ALPN) HTTP/1.1. */
    static final class AlpnSelector extends ApplicationProtocolNegotiationHandler {

        private final Setup setup;

        AlpnSelector(Setup setup) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.setup = setup;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                h2(ctx.pipeline(), setup);
            } else {
                http1(ctx.pipeline(), setup);
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * In plaintext: reads until the bytes either are the HTTP/2 connection preface (h2c with prior
     * knowledge) or cannot be its beginning (HTTP/1.1), then hands them on to the chosen handlers.
     * A connection that has not decided within the header read timeout is closed.
     */
    static final class PrefaceSniffer extends ByteToMessageDecoder {

        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

        private final Setup setup;
        private Future<?> timer;

        PrefaceSniffer(Setup setup) {
            this.setup = setup;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> {
                LOG.debug("no request from {} within {}: closed", ctx.channel().remoteAddress(),
                        setup.limits().headerReadTimeout());
                ctx.close();
            }, setup.limits().headerReadTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
            if (prefix && n < PREFACE.readableBytes()) {
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            if (prefix) {
                h2(p, setup);
            } else {
                http1(p, setup);
            }
            p.remove(this);
        }
    }

    /** Closes an HTTP/2 connection (GOAWAY, through the codec) on idle when no stream is open. */
    private static final class H2Idle extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    Channel ch = ctx.channel();
                    LOG.debug("idle HTTP/2 connection from {}: closed", ch.remoteAddress());
                    ch.close();
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}
