package io.meshid.sidecar.proxy;

import io.meshid.sidecar.config.Limits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener of the sidecar (inbound or outbound): binds, bounds connections, and builds
 * each connection's pipeline, {@code [first handlers (TLS, peer identity)], idle, protocol}, where
 * {@link Protocols} then adds HTTP/1.1 ({@code http-decoder, http-encoder, proxy}, without
 * {@code idle}: the proxy handler keeps that timeout itself) or HTTP/2 (the frame codec and one
 * {@code proxy} per stream), chosen by ALPN over TLS and by the first bytes in plaintext. Pooled buffers, 32/64 KiB write-buffer water marks (past the high mark a
 * channel is not writable, and the other side of the proxy stops reading). Thread-safe.
 */
public final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    /** How often open exchanges are checked for peers that expired (revocations also sweep at once). */
    static final Duration SWEEP_PERIOD = Duration.ofSeconds(1);

    private final String name;
    private final ConnectionTracker tracker;
    private final Channel serverChannel;
    private final io.netty.util.concurrent.Future<?> sweeps;

    private Listener(String name, ConnectionTracker tracker, Channel serverChannel) {
        this.name = name;
        this.tracker = tracker;
        this.serverChannel = serverChannel;
        this.sweeps = serverChannel.eventLoop().scheduleAtFixedRate(this::sweep, SWEEP_PERIOD.toNanos(),
                SWEEP_PERIOD.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Binds {@code address} and serves it.
     *
     * @param first handlers that go before HTTP on every connection (TLS, peer identity), made per connection
     * @param tls   whether {@code first} holds TLS (the protocol is then ALPN's choice)
     */
    public static Listener bind(String name, InetSocketAddress address, EventLoopGroup group, Transport transport,
            Limits limits, Supplier<List<ChannelHandler>> first, boolean tls, Gate gate) throws InterruptedException {
        ConnectionTracker tracker = new ConnectionTracker(limits.maxConnections());
        HttpDecoderConfig decoding = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(16 * 1024);
        Protocols.Setup setup = new Protocols.Setup(gate, limits, transport, decoding, new H2Connections(limits, transport));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!tracker.admit(ch)) {
                            LOG.warn("{}: connection from {} refused ({} open, limit {}{})", name, ch.remoteAddress(),
                                    tracker.size(), limits.maxConnections(), tracker.draining() ? ", draining" : "");
                            ch.close();
                            return;
                        }
                        ChannelPipeline p = ch.pipeline();
                        for (ChannelHandler h : first.get()) {
                            p.addLast(h);
                        }
                        p.addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS));
                        p.addLast("protocol", tls ? new Protocols.AlpnSelector(setup) : new Protocols.PrefaceSniffer(setup));
                    }
                });
        Channel channel = bootstrap.bind(address).sync().channel();
        LOG.info("{} listener on {} ({})", name, channel.localAddress(), transport.name());
        return new Listener(name, tracker, channel);
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Open downstream connections. */
    public int openConnections() {
        return tracker.size();
    }

    /**
     * Checks every exchange in flight on this listener's connections (long HTTP/2 and gRPC streams,
     * responses under way, tunnels) against the gate and cuts those whose peer may no longer be
     * trusted ({@link HttpProxyHandler#sweep}). Runs every {@link #SWEEP_PERIOD} (expiry, the
     * revocation grace running out) and should be called when the revocations change. Each
     * connection is checked on its own event loop; returns at once. Thread-safe.
     */
    public void sweep() {
        for (Channel connection : tracker.open()) {
            connection.eventLoop().execute(() -> {
                if (connection.isActive()) {
                    for (HttpProxyHandler exchange : HttpProxyHandler.exchangesOf(connection)) {
                        exchange.sweep();
                    }
                }
            });
        }
    }

    /** Downstream connections accepted since the start (closed ones included; refused ones not). */
    public long acceptedConnections() {
        return tracker.accepted();
    }

    /**
     * Stops accepting, lets requests in flight finish (idle connections close at once, busy ones
     * after their response), and after {@code timeout} closes what is left.
     */
    public void drain(Duration timeout) throws InterruptedException {
        sweeps.cancel(false);
        serverChannel.close().sync();
        tracker.drain();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tracker.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (tracker.size() > 0) {
            LOG.warn("{}: {} connections still busy after {}; closing them", name, tracker.size(), timeout);
            tracker.closeAll();
        }
    }
}
