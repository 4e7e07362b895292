package io.meshid.ca.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real cert-authority process in this JVM: Micronaut with its gRPC server on a loopback port
 * over mutual TLS, an H2 or PostgreSQL database, and helpers that mint client SVIDs from the CA
 * itself and open channels with them, as a real caller would.
 */
public final class CaServer implements AutoCloseable {

    /** The trust domain the test CA serves. */
    public static final String DOMAIN = "ca.test";

    private final TestDatabase database;
    private final EmbeddedServer http;

    public CaServer(TestDatabase database, Map<String, Object> overrides) {
        this(database, overrides, null);
    }

    /** As {@link #CaServer(TestDatabase, Map)}, with {@code clock} (when not null) as the CA's clock. */
    public CaServer(TestDatabase database, Map<String, Object> overrides, Clock clock) {
        this.database = database;
        Map<String, Object> p = new HashMap<>(database.properties("common", "cert-authority"));
        p.put("meshid.trust-domain", DOMAIN);
        p.put("meshid.ca.trust-domains", "other.test");
        p.put("meshid.ca.key-encryption-key", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        p.put("meshid.ca.bundle-endpoint.port", 0);
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.put("meshid.ca.dns-name-suffixes", List.of(DOMAIN + "=svc"));
        p.putAll(overrides);
        this.http = clock == null ? ApplicationContext.run(EmbeddedServer.class, p)
                : ApplicationContext.builder().properties(p).singletons(clock).start().getBean(EmbeddedServer.class).start();
    }

    public ApplicationContext context() {
        return http.getApplicationContext();
    }

    public int grpcPort() {
        return context().getBean(GrpcEmbeddedServer.class).getPort();
    }

    /** A fresh SVID for {@code id}, signed by this CA. */
    public X509Svid svid(String id) {
        return context().getBean(LocalSvidIssuer.class).issue(SpiffeId.parse(id), Duration.ofMinutes(30));
    }

    /** A channel to this CA's gRPC port that authenticates as {@code id}. */
    public ManagedChannel channelAs(String id) {
        return channelWith(svid(id));
    }

    /** A channel to this CA's gRPC port that authenticates with {@code svid}. */
    public ManagedChannel channelWith(X509Svid svid) {
        SvidSource own = context().getBean(SvidSource.class);
        StaticSvidSource client = new StaticSvidSource(svid, own.bundle());
        SpiffeId expected = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/cert-authority");
        return NettyChannelBuilder.forAddress("127.0.0.1", grpcPort())
                .sslContext(TlsContexts.grpcClient(client, expected::equals))
                .build();
    }

    /**
     * A channel whose client SVID comes from a CA this server does not trust (a self-made root),
     * while the client itself trusts this server: the server must refuse the handshake.
     */
    public ManagedChannel channelWithForeignSvid() {
        SvidSource own = context().getBean(SvidSource.class);
        io.meshid.common.testing.TestPki foreign = io.meshid.common.testing.TestPki.create(DOMAIN);
        StaticSvidSource client = new StaticSvidSource(foreign.svid("/ns/x/sa/intruder"), own.bundle());
        return NettyChannelBuilder.forAddress("127.0.0.1", grpcPort())
                .sslContext(TlsContexts.grpcClient(client, id -> true))
                .build();
    }

    @Override
    public void close() {
        http.stop();
        if (context().isRunning()) {
            context().stop();
        }
        database.close();
    }
}
