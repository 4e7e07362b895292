package io.meshid.identity.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.bench.ClientTransport;
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

    private final SvidSource admin;
    private final int port;
    private final EventLoopGroup loop;
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

    private NettyChannelBuilder builder() {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).eventLoopGroup(loop).channelType(ClientTransport.channelType())
                .directExecutor();
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

    /** {@code total} join tokens spread over the workloads' entries. */
    List<String> joinTokens(int total) {
        var registry = RegistryServiceGrpc.newBlockingStub(channels.get(0));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            tokens.addAll(joinTokens(registry, entryIds.get(i % entryIds.size()), 1));
        }
        return tokens;
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
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static byte[] csr(KeyPair key) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
    }

    /** {@code n} CSRs for fresh P-256 keys. */
    static List<ByteString> csrs(int n) throws Exception {
        List<ByteString> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ByteString.copyFrom(csr(key())));
        }
        return out;
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
    }
}
