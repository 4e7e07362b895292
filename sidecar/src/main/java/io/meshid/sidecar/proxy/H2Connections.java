package io.meshid.sidecar.proxy;

import io.meshid.sidecar.config.Limits;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLHandshakeException;

/**
 * The upstream HTTP/2 connections of one listener: per event loop and upstream, one connection
 * (h2 over mutual TLS with ALPN to a peer's sidecar, or h2c with prior knowledge to the local
 * workload) that carries one stream per downstream stream. A connection is replaced when it has
 * closed, received a GOAWAY, or outlived a certificate of its handshake; one whose target has been
 * revoked since fails the request ({@link PeerRefusedException}). Each connection lives on the
 * event loop of the streams it serves, so a request never changes threads. Thread-safe (per
 * event loop state is only touched on that loop).
 */
final class H2Connections {

    private final Limits limits;
    private final Transport transport;
    private final Map<EventLoop, Map<String, Future<Channel>>> byLoop = new ConcurrentHashMap<>();

    H2Connections(Limits limits, Transport transport) {
        this.limits = limits;
        this.transport = transport;
    }

    /**
     * Opens a stream to {@code target} on {@code loop} (the caller's), with {@code streamHandler}
     * at the end of the stream's pipeline. Fails with {@link PeerRefusedException} when the open
     * connection's target may no longer be trusted, or with the connect or handshake error.
     */
    Future<Http2StreamChannel> openStream(EventLoop loop, Upstream target, ChannelHandler streamHandler) {
        Promise<Http2StreamChannel> result = loop.newPromise();
        Map<String, Future<Channel>> connections = byLoop.computeIfAbsent(loop, l -> new HashMap<>());
        Future<Channel> existing = connections.get(target.key());
        if (existing != null && existing.isDone()) {
            Channel parent = existing.getNow();
            if (parent == null || !usable(parent)) {
                connections.remove(target.key());
                existing = null;
            } else if (target.tls()) {
                String verdict = ConnectionValidity.check(parent, target.revocations());
                if (verdict != null && !verdict.isEmpty()) {
                    connections.remove(target.key());
                    parent.close();
                    return result.setFailure(new PeerRefusedException("the target " + target.key() + ": " + verdict));
                }
                if (verdict != null) {
                    // A certificate of that connection expired: new streams go to a new handshake; old ones finish.
                    connections.remove(target.key());
                    parent.close();
                    existing = null;
                }
            }
        }
        Future<Channel> connection = existing != null ? existing : connect(loop, target, connections);
        connection.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            new Http2StreamChannelBootstrap((Channel) f.getNow())
                    .handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(false));
                            ch.pipeline().addLast(streamHandler);
                        }
                    })
                    .open()
                    .addListener(s -> {
                        if (s.isSuccess()) {
                            result.trySuccess((Http2StreamChannel) s.getNow());
                        } else {
                            result.tryFailure(s.cause());
                        }
                    });
        });
        return result;
    }

    private static boolean usable(Channel parent) {
        if (!parent.isActive()) {
            return false;
        }
        Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
        return codec != null && !codec.connection().goAwayReceived() && !codec.connection().goAwaySent();
    }

    private Future<Channel> connect(EventLoop loop, Upstream target, Map<String, Future<Channel>> connections) {
        Promise<Channel> ready = loop.newPromise();
        connections.put(target.key(), ready);
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                // the listeners' pool: one buffer pool in the data path (Netty 4.2's default is another)
                .option(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, limits.responseTimeout().toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (target.tls()) {
                            SslHandler ssl = target.h2Ssl().newHandler(ch.alloc(), target.sniHost(), target.address().getPort());
                            ssl.setHandshakeTimeoutMillis(limits.headerReadTimeout().toMillis());
                            p.addLast("tls", ssl);
                        }
                        p.addLast("h2", Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                                        .maxHeaderListSize(limits.maxHeaderBytes()))
                                .build());
                        p.addLast("multiplex", new Http2MultiplexHandler(new PushRefused()));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target.address());
        Channel ch = connecting.channel();
        ch.closeFuture().addListener(f -> {
            if (connections.get(target.key()) == ready) {
                connections.remove(target.key());
            }
        });
        connecting.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            if (!target.tls()) {
                // The connect promise completes before channelActive, which sends the preface and
                // SETTINGS: a stream opened now would go out before them. Run after it.
                ch.eventLoop().execute(() -> ready.trySuccess(ch));
                return;
            }
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            ssl.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    ready.tryFailure(h.cause());
                    ch.close();
                } else if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                    ready.tryFailure(new SSLHandshakeException("the target did not agree to h2 (ALPN: "
                            + ssl.applicationProtocol() + ")"));
                    ch.close();
                } else {
                    ready.trySuccess(ch);
                }
            });
        });
        ready.addListener(f -> {
            if (!f.isSuccess() && connections.get(target.key()) == ready) {
                connections.remove(target.key());
            }
        });
        return ready;
    }

    /** Server push is off in our SETTINGS; a pushed stream is a protocol violation, dropped. */
    @ChannelHandler.Sharable
    private static final class PushRefused extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }
}
