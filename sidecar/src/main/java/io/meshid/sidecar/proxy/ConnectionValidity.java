package io.meshid.sidecar.proxy;

import io.meshid.sidecar.revocation.RevocationList;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * Whether an open upstream TLS connection may carry another request. Stateless.
 */
final class ConnectionValidity {

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
        SSLSession session = tls.engine().getSession();
        List<X509Certificate> peer = SidecarTls.peerChain(session);
        if (peer.isEmpty() || revocations.expired(peer).isPresent()
                || revocations.expired(SidecarTls.localChain(session)).isPresent()) {
            return "";
        }
        return revocations.revocationRefusal(peer).orElse(null);
    }
}
