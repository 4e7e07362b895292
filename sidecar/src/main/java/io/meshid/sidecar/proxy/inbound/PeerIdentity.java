package io.meshid.sidecar.proxy.inbound;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.sidecar.proxy.SidecarTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the SPIFFE ID of the verified client certificate on the channel once the mutual-TLS
 * handshake succeeded (the trust manager has checked the chain against the bundle by then); a
 * failed handshake (no certificate, another trust domain, expired, plaintext) closes the
 * connection before any byte of HTTP is read. One per connection; not thread-safe.
 */
final class PeerIdentity extends ChannelInboundHandlerAdapter {

    static final AttributeKey<SpiffeId> PEER = AttributeKey.valueOf("meshid.peer");
    /** The verified chain the peer presented in the handshake, leaf first: checked again on every request. */
    static final AttributeKey<List<X509Certificate>> PEER_CHAIN = AttributeKey.valueOf("meshid.peer-chain");

    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentity.class);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                LOG.info("inbound TLS handshake from {} refused: {}", ctx.channel().remoteAddress(),
                        String.valueOf(done.cause()));
                ctx.close();
                return;
            }
            var engine = ctx.pipeline().get(SslHandler.class).engine();
            var peer = SidecarTls.peerId(engine);
            List<X509Certificate> chain = SidecarTls.peerChain(engine.getSession());
            if (peer.isEmpty() || chain.isEmpty()) {
                LOG.info("inbound connection from {} presented no SPIFFE ID: closed", ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            ctx.channel().attr(PEER).set(peer.get());
            ctx.channel().attr(PEER_CHAIN).set(chain);
            ctx.pipeline().remove(this);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("inbound connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
