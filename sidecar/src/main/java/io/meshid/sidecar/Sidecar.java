package io.meshid.sidecar;

import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.config.SidecarConfig;
import io.meshid.sidecar.decision.Decider;
import io.meshid.sidecar.decision.PolicyDecider;
import io.meshid.sidecar.proxy.Listener;
import io.meshid.sidecar.proxy.Transport;
import io.meshid.sidecar.proxy.inbound.InboundListener;
import io.meshid.sidecar.proxy.outbound.OutboundListener;
import io.meshid.sidecar.revocation.RevocationList;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's data path: the inbound mutual-TLS listener in front of the workload and the
 * outbound plaintext listener for the app, on one small group of Netty event loops (epoll where
 * available), with decisions from policy-server. The identity comes from any {@link SvidSource}
 * (PEM files today, attestation and renewal from the identity side): the TLS contexts read it on
 * every handshake, so a renewed SVID or a new bundle applies to new connections at once and never
 * drops an open one. Both listeners refuse a peer whose SVID is revoked, in the handshake and on
 * every request of an open connection, and every peer while revocations are not known
 * ({@link RevocationList}).
 *
 * <p>{@link #start} binds both listeners and returns once they accept; {@link #close} drains them
 * (in-flight requests finish within the configured drain timeout) and stops. Thread-safe.
 */
public final class Sidecar implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);

    private final SidecarConfig config;
    private final EventLoopGroup group;
    private final Decider decider;
    private final Listener inbound;
    private final Listener outbound;
    private final RevocationList revocations;
    private final Runnable sweep;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Sidecar(SidecarConfig config, EventLoopGroup group, Decider decider, Listener inbound, Listener outbound,
            RevocationList revocations) {
        this.config = config;
        this.group = group;
        this.decider = decider;
        this.inbound = inbound;
        this.outbound = outbound;
        this.revocations = revocations;
        // A new revocation list cuts the exchanges in flight of the peers it revokes at once.
        this.sweep = () -> {
            inbound.sweep();
            outbound.sweep();
        };
        revocations.addListener(sweep);
    }

    /**
     * Starts a sidecar that asks the policy-server of {@code config} for decisions and refuses the
     * peers {@code revocations} refuses (kept current by a {@code RevocationWatch}).
     */
    public static Sidecar start(SidecarConfig config, SvidSource source, RevocationList revocations)
            throws InterruptedException {
        Clock clock = Clock.systemUTC();
        return start(config, source, new PolicyDecider(config.policy(), source, clock), clock, revocations);
    }

    /** Starts a sidecar with the given decider (which it closes on {@link #close}) and clock. */
    public static Sidecar start(SidecarConfig config, SvidSource source, Decider decider, Clock clock,
            RevocationList revocations) throws InterruptedException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(revocations, "revocations");
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(config.workerThreads());
        Listener in = null;
        try {
            in = InboundListener.bind(config.inboundListen(), config.workload(), source, decider,
                    config.policy().contextHeaders(), config.limits(), group, transport, clock, revocations);
            Listener out = OutboundListener.bind(config.outboundListen(), config.routes(), source, config.limits(),
                    group, transport, clock, revocations);
            LOG.info("sidecar {} ready: inbound {} -> workload {}, outbound {} ({} routes)",
                    source.svid().spiffeId(), in.address(), config.workload(), out.address(), config.routes().routes().size());
            return new Sidecar(config, group, decider, in, out, revocations);
        } catch (RuntimeException | InterruptedException e) {
            if (in != null) {
                in.drain(java.time.Duration.ZERO);
            }
            decider.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The inbound listener's bound address. */
    public InetSocketAddress inboundAddress() {
        return inbound.address();
    }

    /** The outbound listener's bound address. */
    public InetSocketAddress outboundAddress() {
        return outbound.address();
    }

    /** Open downstream connections on the inbound listener. */
    public int inboundConnections() {
        return inbound.openConnections();
    }

    /**
     * Connections the inbound listener admitted since the start (within the connection limit,
     * before their TLS handshake; closed ones included): tells whether a request came on a
     * connection that was already open.
     */
    public long inboundConnectionsAccepted() {
        return inbound.acceptedConnections();
    }

    /** Drains both listeners, then stops the decider and the event loops. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        revocations.removeListener(sweep);
        try {
            outbound.drain(config.limits().drainTimeout());
            inbound.drain(config.limits().drainTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            decider.close();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
