package io.meshid.sidecar.proxy.outbound;

import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.proxy.Listener;
import io.meshid.sidecar.proxy.Transport;
import io.meshid.sidecar.revocation.RevocationList;
import io.meshid.sidecar.route.RouteTable;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;

/**
 * The outbound listener: the app speaks plaintext HTTP/1.1 to it (it should listen on loopback
 * only), and each request goes by its {@code Host} to a route's sidecar over mutual TLS. Stateless
 * factory.
 */
public final class OutboundListener {

    private OutboundListener() {
    }

    /** Binds the outbound listener. */
    public static Listener bind(InetSocketAddress address, RouteTable routes, SvidSource source, Limits limits,
            EventLoopGroup group, Transport transport, Clock clock, RevocationList revocations) throws InterruptedException {
        OutboundGate gate = new OutboundGate(routes, source, clock, revocations);
        return Listener.bind("outbound", address, group, transport, limits, List::of, false, gate);
    }
}
