package io.meshid.policy.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;

/**
 * A real policy-server in this JVM: Micronaut with its gRPC server on a loopback port over mutual
 * TLS (an SVID from a test PKI of {@link #DOMAIN}), its database, and the starter policies seeded
 * as version 1 of {@link #DOMAIN}; channels authenticate with SVIDs of the same PKI.
 */
public final class SeededPolicyServer implements AutoCloseable {

    /** The trust domain served and seeded. */
    public static final String DOMAIN = "meshid.local";

    private final TestDatabase database;
    private final String domain;
    private final TestPki pki;
    private final EmbeddedServer http;

    public SeededPolicyServer(TestDatabase database, Map<String, Object> overrides) {
        this(database, DOMAIN, "classpath:" + StarterPolicies.STARTER, overrides);
    }

    /** A server of {@code domain} seeded from {@code seedDirectory} (a folder or classpath:folder). */
    public SeededPolicyServer(TestDatabase database, String domain, String seedDirectory, Map<String, Object> overrides) {
        this.database = database;
        this.domain = domain;
        this.pki = TestPki.create(domain);
        Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
        p.put("meshid.trust-domain", domain);
        p.put("meshid.policy.seed-directory", seedDirectory);
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.putAll(overrides);
        StaticSvidSource own = new StaticSvidSource(pki.svid("/meshid/policy-server"), pki.bundle());
        this.http = ApplicationContext.builder().properties(p).singletons(own).run(EmbeddedServer.class);
    }

    public ApplicationContext context() {
        return http.getApplicationContext();
    }

    public int grpcPort() {
        return context().getBean(GrpcEmbeddedServer.class).getPort();
    }

    /** A channel that authenticates as {@code id} (a path in {@link #DOMAIN}, such as /ns/a/sa/b). */
    public ManagedChannel channelAs(String path) {
        return channel(NettyChannelBuilder.forAddress("127.0.0.1", grpcPort()), path);
    }

    /** {@code builder} with mutual TLS as {@code path} of this server's trust domain, built. */
    public ManagedChannel channel(NettyChannelBuilder builder, String path) {
        StaticSvidSource client = new StaticSvidSource(pki.svid(path), pki.bundle());
        SpiffeId expected = SpiffeId.parse("spiffe://" + domain + "/meshid/policy-server");
        return builder.sslContext(TlsContexts.grpcClient(client, expected::equals)).build();
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
