package io.meshid.policy.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real policy-server in this JVM: Micronaut with its gRPC server on a loopback port over mutual
 * TLS (its SVID from PEM files that a {@link TestPki} of {@value #DOMAIN} signed), an H2
 * database, and channels that authenticate with SVIDs of that PKI, as real callers do.
 */
public final class PolicyServer implements AutoCloseable {

    /** The trust domain of the test server and its PKI. */
    public static final String DOMAIN = "pol.test";

    private final TestPki pki = TestPki.create(DOMAIN);
    private final TestDatabase database;
    private final EmbeddedServer server;
    private final Path dir;
    private final List<ManagedChannel> channels = new ArrayList<>();

    public PolicyServer(Map<String, Object> overrides) {
        this(overrides, null);
    }

    /** As {@link #PolicyServer(Map)}, with {@code clock} (when not null) as the server's clock. */
    public PolicyServer(Map<String, Object> overrides, Clock clock) {
        try {
            dir = Files.createTempDirectory("policy-server");
            X509Svid svid = pki.leaf("spiffe://" + DOMAIN + "/meshid/policy-server").issue().svid();
            Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
            Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
            Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(pki.bundle().authorities()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        database = TestDatabase.h2();
        Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
        p.put("meshid.trust-domain", DOMAIN);
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.putAll(overrides);
        server = clock == null ? ApplicationContext.run(EmbeddedServer.class, p)
                : ApplicationContext.builder().properties(p).singletons(clock).start().getBean(EmbeddedServer.class).start();
    }

    public ApplicationContext context() {
        return server.getApplicationContext();
    }

    /** A channel to the gRPC port that authenticates as {@code id} (a full SPIFFE ID of {@value #DOMAIN}). */
    public ManagedChannel channelAs(String id) {
        return channelAs(id, false);
    }

    /**
     * As {@link #channelAs(String)}; with {@code adminMark} the SVID carries the admin mark that the
     * CA sets for an entry with admin = true.
     */
    public ManagedChannel channelAs(String id, boolean adminMark) {
        var leaf = pki.leaf(SpiffeId.parse(id).toString());
        return channelWith((adminMark ? leaf.admin() : leaf).issue().svid());
    }

    /** A channel that authenticates as {@code id} with an SVID valid from {@code notBefore} to {@code notAfter}. */
    public ManagedChannel channelAs(String id, Instant notBefore, Instant notAfter) {
        return channelWith(pki.leaf(SpiffeId.parse(id).toString()).validity(notBefore, notAfter).issue().svid());
    }

    /** The PKI of {@value #DOMAIN} that signed the server's SVID and signs callers'. */
    public TestPki pki() {
        return pki;
    }

    /** A channel to the gRPC port that authenticates with {@code svid}. */
    public ManagedChannel channelWith(X509Svid svid) {
        StaticSvidSource client = new StaticSvidSource(svid, pki.bundle());
        SpiffeId expected = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/policy-server");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", context().getBean(GrpcEmbeddedServer.class).getPort())
                .sslContext(TlsContexts.grpcClient(client, expected::equals))
                .maxInboundMessageSize(8 << 20)
                .build();
        channels.add(channel);
        return channel;
    }

    /** Stops the server (open streams are ended), keeps nothing. */
    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        stop();
        database.close();
    }

    /** Stops the server only, leaving channels open, to see what clients are told. */
    public void stop() {
        if (server.isRunning()) {
            server.stop();
        }
        if (context().isRunning()) {
            context().stop();
        }
    }
}
