package io.meshid.identity.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.bench.ClientTransport;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The benchmark's workloads and their persistent channels: registration entries made by the dev
 * admin, one attestation each (their SVIDs), then one mTLS channel per workload; also anonymous
 * TLS channels for Attest, and pre-made keys and CSRs. Not thread-safe; set up before the load.
 */
final class Workloads implements AutoCloseable {

    static final String DOMAIN = "bench.test";
    static final SpiffeId SERVER = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/identity-server");
    private static final int TOKENS_PER_ENTRY = 1_000;
    private int tokenRounds;

    private final SvidSource admin;
    private final int port;
    private final EventLoopGroup loop;
    private final java.util.concurrent.ExecutorService offload = java.util.concurrent.Executors.newCachedThreadPool(
            Thread.ofPlatform().name("bench-client-offload-", 1).daemon().factory());
    private final List<ManagedChannel> channels = new ArrayList<>();
    final List<String> entryIds = new ArrayList<>();
    final List<SpiffeId> ids = new ArrayList<>();
    final List<ManagedChannel> mtls = new ArrayList<>();
    final List<ManagedChannel> anonymous = new ArrayList<>();

    Workloads(SvidSource admin, int port, EventLoopGroup loop) {
        this.admin = admin;
        this.port = port;
        this.loop = loop;
    }

    /**
     * Every load-client channel: the client's event loop, its own offload threads (gRPC runs a
     * channel's TLS handshake tasks, the server chain check among them, on the offload executor:
     * on gRPC's shared {@code grpc-default-executor} they counted as server CPU in the report, not
     * as the client's), the server's address as is (no name resolution per channel), and no
     * census stats or tracing (absent from the class path, gRPC looks them up by
     * {@code Class.forName} on every channel it builds, a failed class lookup and an exception
     * per renewal), as {@code AttestedSvidSource} builds its channels.
     */
    private NettyChannelBuilder builder() {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).eventLoopGroup(loop)
                .channelType(ClientTransport.channelType()).directExecutor().offloadExecutor(offload);
        InternalNettyChannelBuilder.setStatsEnabled(builder, false);
        InternalNettyChannelBuilder.setTracingEnabled(builder, false);
        return builder;
    }

    /** Registers {@code count} workloads and attests each once, opening one mTLS channel per workload. */
    void register(int count, int anonymousChannels) throws Exception {
        ManagedChannel adminChannel = builder().sslContext(TlsContexts.grpcClient(admin, SERVER::equals)).build();
        channels.add(adminChannel);
        var registry = RegistryServiceGrpc.newBlockingStub(adminChannel);
        for (int i = 0; i < anonymousChannels; i++) {
            ManagedChannel c = builder().sslContext(GrpcSslContexts.forClient().trustManager(new SpiffeTrustManager(admin, SERVER::equals))
                    .endpointIdentificationAlgorithm(null).build()).build();
            channels.add(c);
            anonymous.add(c);
        }
        for (int i = 0; i < count; i++) {
            SpiffeId id = SpiffeId.parse("spiffe://" + DOMAIN + "/ns/bench/sa/w" + i);
            var entry = registry.withDeadlineAfter(10, TimeUnit.SECONDS).createEntry(CreateEntryRequest.newBuilder()
                    .setSpiffeId(id.toString()).setJwtSvidTtl(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build()).getEntry();
            entryIds.add(entry.getId());
            ids.add(id);
            KeyPair key = key();
            AttestResponse reply = IdentityServiceGrpc.newBlockingStub(anonymous.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .attest(AttestRequest.newBuilder().setJoinToken(joinTokens(registry, entry.getId(), 1).get(0))
                            .setCsr(ByteString.copyFrom(csr(key))).build());
            List<X509Certificate> chain = new ArrayList<>();
            for (ByteString der : reply.getSvid().getCertChainList()) {
                chain.add(parse(der));
            }
            List<X509Certificate> anchors = new ArrayList<>();
            for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
                anchors.add(parse(der));
            }
            StaticSvidSource held = new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), X509Bundle.of(TrustDomain.of(DOMAIN), anchors, 1));
            ManagedChannel c = builder().sslContext(TlsContexts.grpcClient(held, SERVER::equals)).build();
            channels.add(c);
            mtls.add(c);
        }
    }

    /**
     * {@code n} freshly attested SVIDs, each with its key and the bundle that came with it, for a
     * fleet that renews: every one may renew once (renewal lineage), over a connection made with it
     * ({@link #channelWith}). Made with 32 attestations in flight; not timed.
     */
    List<StaticSvidSource> attested(int n) throws Exception {
        List<String> tokens = joinTokens(n);
        StaticSvidSource[] out = new StaticSvidSource[n];
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        var stub = IdentityServiceGrpc.newStub(anonymous.get(0));
        for (int i = 0; i < n && failure.get() == null; i++) {
            int k = i;
            KeyPair key = key();
            inFlight.acquire();
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).attest(AttestRequest.newBuilder().setJoinToken(tokens.get(k))
                    .setCsr(ByteString.copyFrom(csr(key))).build(), new io.grpc.stub.StreamObserver<AttestResponse>() {
                        @Override
                        public void onNext(AttestResponse reply) {
                            try {
                                out[k] = held(reply, key);
                            } catch (Exception e) {
                                failure.compareAndSet(null, e);
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            failure.compareAndSet(null, t);
                            inFlight.release();
                        }

                        @Override
                        public void onCompleted() {
                            inFlight.release();
                        }
                    });
        }
        inFlight.acquire(32);
        if (failure.get() != null) {
            throw new IllegalStateException("attesting the fleet to renew failed: " + failure.get(), failure.get());
        }
        return List.of(out);
    }

    /** A channel that authenticates with {@code held}; the caller shuts it down. */
    ManagedChannel channelWith(StaticSvidSource held) {
        return builder().sslContext(TlsContexts.grpcClient(held, SERVER::equals)).build();
    }

    /**
     * A channel over the shared client context {@code tls} whose connections present the SVID
     * {@code member} names ({@link FleetTls#join}: the channel's authority is that host, on this
     * server's port); the caller shuts it down.
     */
    ManagedChannel channelAs(io.netty.handler.ssl.SslContext tls, String member) {
        return builder().sslContext(tls).overrideAuthority(member + ":" + port).build();
    }

    private static StaticSvidSource held(AttestResponse reply, KeyPair key) throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add(parse(der));
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        return new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), X509Bundle.of(TrustDomain.of(DOMAIN), anchors, 1));
    }

    /**
     * {@code total} join tokens for attestation, spread over entries of their own
     * ({@code …/ns/bench/sa/attest-<round>-N}, at most 1,000 unused tokens each, the registry's bound), made
     * with up to 32 calls in flight so that a hundred thousand take seconds, not minutes.
     */
    List<String> joinTokens(int total) throws InterruptedException {
        var registry = RegistryServiceGrpc.newBlockingStub(channels.get(0));
        List<String> entries = new ArrayList<>();
        int round = ++tokenRounds;
        for (int i = 0; i * TOKENS_PER_ENTRY < total; i++) {
            entries.add(registry.withDeadlineAfter(10, TimeUnit.SECONDS).createEntry(CreateEntryRequest.newBuilder()
                    .setSpiffeId("spiffe://" + DOMAIN + "/ns/bench/sa/attest-" + round + "-" + i).build()).getEntry().getId());
        }
        var async = RegistryServiceGrpc.newStub(channels.get(0));
        String[] tokens = new String[total];
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int i = 0; i < total && failure.get() == null; i++) {
            int n = i;
            inFlight.acquire();
            async.withDeadlineAfter(30, TimeUnit.SECONDS).createJoinToken(CreateJoinTokenRequest.newBuilder()
                    .setEntryId(entries.get(n / TOKENS_PER_ENTRY)).build(), new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(io.meshid.proto.identity.v1.CreateJoinTokenResponse reply) {
                            tokens[n] = reply.getToken();
                        }

                        @Override
                        public void onError(Throwable t) {
                            failure.compareAndSet(null, t);
                            inFlight.release();
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            inFlight.release();
                            done.countDown();
                        }
                    });
        }
        if (failure.get() != null || !done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("making join tokens failed", failure.get());
        }
        return List.of(tokens);
    }

    private static List<String> joinTokens(RegistryServiceGrpc.RegistryServiceBlockingStub registry, String entryId, int n) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add(registry.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entryId).build()).getToken());
        }
        return tokens;
    }

    static KeyPair key() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", CryptoProvider.get());
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static byte[] csr(KeyPair key) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(CryptoProvider.get()).build(key.getPrivate())).getEncoded();
    }

    /** {@code n} CSRs for fresh P-256 keys (made on every core, with Conscrypt). */
    static List<ByteString> csrs(int n) {
        return java.util.stream.IntStream.range(0, n).parallel().mapToObj(i -> {
            try {
                return ByteString.copyFrom(csr(key()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static X509Certificate parse(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            c.awaitTermination(5, TimeUnit.SECONDS);
        }
        offload.shutdownNow();
    }
}
