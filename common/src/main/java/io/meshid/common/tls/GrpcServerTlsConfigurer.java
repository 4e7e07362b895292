package io.meshid.common.tls;

import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.context.exceptions.ConfigurationException;
import io.netty.handler.ssl.ClientAuth;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts mutual TLS on the Micronaut gRPC server as it is built: in {@code svid} mode, the
 * {@link SvidSource} bean's SVID and bundle ({@link TlsContexts#grpcServer}); client certificates
 * are required, or optional when some methods are anonymous (those calls are then sorted out by
 * {@link CallerIdentityInterceptor}); no TLS session is ever resumed, and client certificates are
 * judged by the server's {@link Clock}. Without an {@link SvidSource} bean, start-up fails naming the
 * settings. In {@code plaintext} mode it leaves the port plaintext and logs a warning.
 */
@Singleton
final class GrpcServerTlsConfigurer implements BeanCreatedEventListener<ServerBuilder<?>> {

    static final String NO_SVID = TlsConfig.PREFIX + ".cert-file: not set (expected: the server's X.509-SVID chain in PEM, with "
            + TlsConfig.PREFIX + ".key-file and " + TlsConfig.PREFIX + ".bundle-file; or "
            + TlsConfig.PREFIX + ".mode=plaintext for local tests only)";

    private static final Logger LOG = LoggerFactory.getLogger(GrpcServerTlsConfigurer.class);

    private final TlsConfig config;
    private final BeanProvider<SvidSource> sources;
    private final Clock clock;

    GrpcServerTlsConfigurer(TlsConfig config, BeanProvider<SvidSource> sources, Clock clock) {
        this.config = config;
        this.sources = sources;
        this.clock = clock;
    }

    @Override
    public ServerBuilder<?> onCreated(BeanCreatedEvent<ServerBuilder<?>> event) {
        ServerBuilder<?> builder = event.getBean();
        if (config.getMode() == TlsConfig.Mode.PLAINTEXT) {
            LOG.warn("{}.mode=plaintext: the gRPC port is not authenticated and callers have no identity;"
                    + " use this for local tests only", TlsConfig.PREFIX);
            return builder;
        }
        if (!sources.isPresent()) {
            throw new ConfigurationException(NO_SVID);
        }
        if (!(builder instanceof NettyServerBuilder netty)) {
            throw new IllegalStateException("the gRPC server builder is a " + builder.getClass().getName()
                    + " (expected: io.grpc.netty.NettyServerBuilder, to carry mutual TLS)");
        }
        SvidSource source = sources.get();
        ClientAuth clientAuth = config.getAnonymousMethods().isEmpty() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL;
        netty.sslContext(TlsContexts.grpcServer(source, clientAuth, clock));
        LOG.info("gRPC server: mutual TLS as {} (client certificates {}, TLS by {})", source.svid().spiffeId(),
                clientAuth == ClientAuth.REQUIRE ? "required" : "optional for " + config.getAnonymousMethods(),
                TlsContexts.provider());
        return builder;
    }
}
