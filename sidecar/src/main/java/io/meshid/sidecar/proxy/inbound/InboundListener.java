package io.meshid.sidecar.proxy.inbound;

import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.decision.Decider;
import io.meshid.sidecar.proxy.Listener;
import io.meshid.sidecar.proxy.SidecarTls;
import io.meshid.sidecar.proxy.Transport;
import io.meshid.sidecar.revocation.RevocationList;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;

/**
 * The inbound mutual-TLS listener: peers' sidecars connect with their SVID (required, verified
 * against the current bundle on every handshake), each request is decided, and allowed ones go to
 * the workload's local port. Stateless factory.
 */
public final class InboundListener {

    private InboundListener() {
    }

    /** Binds the inbound listener. */
    public static Listener bind(InetSocketAddress address, InetSocketAddress workload, SvidSource source,
            Decider decider, List<String> contextHeaders, Limits limits, EventLoopGroup group, Transport transport,
            Clock clock, RevocationList revocations) throws InterruptedException {
        SslContext tls = SidecarTls.server(source, clock, revocations);
        InboundGate gate = new InboundGate(source, decider, workload, contextHeaders, revocations);
        return Listener.bind("inbound", address, group, transport, limits, () -> {
            return List.<ChannelHandler>of(tlsHandler(tls, limits), new PeerIdentity());
        }, true, gate);
    }

    private static ChannelHandler tlsHandler(SslContext tls, Limits limits) {
        SslHandler handler = tls.newHandler(io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        handler.setHandshakeTimeoutMillis(limits.headerReadTimeout().toMillis());
        return handler;
    }
}
