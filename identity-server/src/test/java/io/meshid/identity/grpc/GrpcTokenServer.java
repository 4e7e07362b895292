package io.meshid.identity.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * identity-server over real mutual TLS on loopback, on a given database and clock, with stubs for
 * workloads of its trust domain: the set-up of {@link TokensOverMutualTlsTest}, for tests that
 * need their own database or clock. Close it after the test.
 */
final class GrpcTokenServer implements AutoCloseable {

    static final String SERVER = "/meshid/identity-server";

    private final String domain;
    private final TestPki pki;
    private final ApplicationContext context;
    private final List<ManagedChannel> channels = new ArrayList<>();

    GrpcTokenServer(String domain, TestDatabase db, MutableClock clock) throws Exception {
        this.domain = domain;
        this.pki = TestPki.create(domain);
        Path dir = Files.createTempDirectory("meshid-grpc-tokens");
        X509Svid svid = pki.svid(SERVER);
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, domain));
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        var builder = ApplicationContext.builder().properties(p);
        if (clock != null) {
            builder.singletons(clock);
        }
        context = builder.start();
        context.getBean(EmbeddedServer.class).start();
    }

    ApplicationContext context() {
        return context;
    }

    /** Registers a plain workload entry for {@code path}. */
    SpiffeId workload(String path) {
        SpiffeId id = SpiffeId.parse("spiffe://" + domain + path);
        context.getBean(Registry.class).createEntry(new EntryParams(id, List.of(), Optional.empty(), Optional.empty(), List.of(),
                false, "test"));
        return id;
    }

    /** A stub for {@code caller}, over its own connection, with a deadline of {@code seconds} per call. */
    IdentityServiceGrpc.IdentityServiceBlockingStub as(SpiffeId caller, int seconds) {
        StaticSvidSource source = new StaticSvidSource(pki.svid(caller.path()), pki.bundle());
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", context.getBean(GrpcEmbeddedServer.class).getPort())
                .sslContext(TlsContexts.grpcClient(source, SpiffeId.parse("spiffe://" + domain + SERVER)::equals)).build();
        channels.add(c);
        return IdentityServiceGrpc.newBlockingStub(c).withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        context.close();
    }
}
