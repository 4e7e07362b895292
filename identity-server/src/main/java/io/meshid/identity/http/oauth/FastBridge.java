package io.meshid.identity.http.oauth;

import io.meshid.common.audit.AuditLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link FastBridgeHandler} into every HTTP/1.1 connection of identity-server's HTTP port,
 * right before Micronaut's request handler. {@code meshid.identity.oauth.event-loop-handler: false}
 * leaves Micronaut's routing to serve every request (the same replies, more CPU per request).
 */
@Singleton
@Requires(property = "meshid.identity.oauth.event-loop-handler", notEquals = "false")
final class FastBridge implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    private static final Logger LOG = LoggerFactory.getLogger(FastBridge.class);
    static final String NAME = "meshid-oauth-bridge";
    private static final String MICRONAUT_HANDLER = "PipeliningServerHandler";

    private final BeanProvider<BridgeRequests> requests;
    private final BeanProvider<TokenEndpoints> endpoints;
    private final BeanProvider<MeterRegistry> meters;
    private final BeanProvider<AuditLog> audit;
    private volatile FastBridgeHandler.Shared shared;

    FastBridge(BeanProvider<BridgeRequests> requests, BeanProvider<TokenEndpoints> endpoints, BeanProvider<MeterRegistry> meters,
            BeanProvider<AuditLog> audit) {
        this.requests = requests;
        this.endpoints = endpoints;
        this.meters = meters;
        this.audit = audit;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new Customizer(null));
        return event.getBean();
    }

    private FastBridgeHandler.Shared shared() {
        FastBridgeHandler.Shared s = shared;
        if (s == null) {
            AuditLog trail = audit.get();
            s = new FastBridgeHandler.Shared(requests.get(), endpoints.get(), meters.isPresent() ? meters.get() : null, trail::behind);
            shared = s;
        }
        return s;
    }

    private final class Customizer implements NettyServerCustomizer {
        private final Channel channel;

        Customizer(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel c, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Customizer(c) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel == null) {
                return;
            }
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(NAME) != null) {
                return;
            }
            for (Map.Entry<String, io.netty.channel.ChannelHandler> e : pipeline) {
                if (e.getValue().getClass().getSimpleName().equals(MICRONAUT_HANDLER)) {
                    ChannelHandlerContext ctx = pipeline.context(e.getValue());
                    // HTTP/2 streams have no HTTP/1.1 codec: there Micronaut serves everything.
                    if (pipeline.get(io.netty.handler.codec.http.HttpServerCodec.class) != null) {
                        pipeline.addBefore(ctx.name(), NAME, new FastBridgeHandler(shared()));
                    }
                    return;
                }
            }
            LOG.debug("OAuth bridge: no {} in the pipeline {}; Micronaut serves every request", MICRONAUT_HANDLER, pipeline.names());
        }
    }
}
