package io.meshid.sidecar.proxy;

import io.meshid.sidecar.revocation.RevocationList;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * Whether an open upstream TLS connection may carry another request. Stateless.
 */
final class ConnectionValidity {

    /**
     * The chains of a connection's handshake (fixed once it is done) and the earliest expiry of their
     * certificates, kept so that each request neither copies the chains nor reads every date again.
     */
    private record Chains(List<X509Certificate> peer, List<X509Certificate> local, Instant expires) {

        static Chains of(List<X509Certificate> peer, List<X509Certificate> local) {
            Instant expires = Instant.MAX;
            for (List<X509Certificate> chain : List.of(peer, local)) {
                for (X509Certificate c : chain) {
                    Instant notAfter = c.getNotAfter().toInstant();
                    if (notAfter.isBefore(expires)) {
                        expires = notAfter;
                    }
                }
            }
            return new Chains(peer, local, expires);
        }
    }

    private static final AttributeKey<Chains> CHAINS = AttributeKey.valueOf("meshid.upstream-chains");

    private ConnectionValidity() {
    }

    /**
     * Null when {@code connection} may carry the next request; "" when a certificate of its
     * handshake (the target's or ours: ours renews at half life, but an open connection keeps the
     * certificate it was made with) has expired, so a new connection is needed; else why the target
     * must be refused (its SVID was revoked since, or revocations are not known).
     */
    static String check(Channel connection, RevocationList revocations) {
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        if (tls == null) {
            return "";
        }
        Chains chains = connection.attr(CHAINS).get();
        if (chains == null) {
            SSLSession session = tls.engine().getSession();
            chains = Chains.of(SidecarTls.peerChain(session), SidecarTls.localChain(session));
            if (!chains.peer().isEmpty()) {
                connection.attr(CHAINS).set(chains);
            }
        }
        List<X509Certificate> peer = chains.peer();
        if (peer.isEmpty() || revocations.past(chains.expires())) {
            return "";
        }
        return revocations.revocationRefusal(peer).orElse(null);
    }
}
