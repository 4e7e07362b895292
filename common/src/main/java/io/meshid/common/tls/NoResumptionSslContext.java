package io.meshid.common.tls;

import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;

/**
 * A Netty server context on which no TLS session can be resumed, so that every connection runs a
 * full handshake and its client chain is verified against the current bundle
 * ({@link SpiffeTrustManager}); a resumed session would carry the peer certificates verified at
 * its first handshake, however long ago and under whatever bundle.
 *
 * <p>BoringSSL (netty-tcnative): the context's session cache is off (no TLS 1.2 session-id
 * resumption) and every engine gets {@code SSL_OP_NO_TICKET}, which Netty clears for TLS 1.3 by
 * default: the server neither issues session tickets nor accepts them. JDK provider: the JDK has
 * no per-context switch; {@link SpiffeTrustManager} invalidates the session of every client it
 * verifies, so the JDK neither caches it nor issues a ticket for it. Public so that the sidecar's
 * listeners (which build their own Netty contexts) use this one implementation. Thread-safe.
 */
public final class NoResumptionSslContext extends DelegatingSslContext {

    /**
     * Wraps the server context {@code context}.
     *
     * @throws IllegalArgumentException when {@code context} is a client context
     */
    public NoResumptionSslContext(SslContext context) {
        super(context);
        if (!context.isServer()) {
            throw new IllegalArgumentException("a client TLS context (expected: a server context)");
        }
        if (context.sessionContext() instanceof OpenSslSessionContext openSsl) {
            openSsl.setSessionCacheEnabled(false);
        }
    }

    @Override
    protected void initEngine(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            synchronized (openSsl) {
                SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
            }
        }
    }
}
