package io.meshid.sidecar.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The upstream end of a {@link HttpProxyHandler}: hands everything the upstream sends, and its
 * writability, to the downstream handler (both live on one event loop). Not thread-safe.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final HttpProxyHandler downstream;

    UpstreamHandler(HttpProxyHandler downstream) {
        this.downstream = downstream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        downstream.onUpstreamRead(ctx.channel(), msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        downstream.onUpstreamReadComplete(ctx.channel());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        downstream.onUpstreamWritabilityChanged(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
