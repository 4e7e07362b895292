package io.meshid.sidecar.testing;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import io.meshid.proto.common.v1.TrustBundle;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real gRPC server (Netty, loopback, mutual TLS with an SVID) implementing cert-authority's
 * {@code WatchTrustBundle}: the first message is the current bundle, then one per {@link #revoke},
 * with a higher sequence number and a real DER CRL listing every serial revoked so far. Can be
 * stopped and started again on the same port. Thread-safe.
 */
public final class FakeCertAuthority implements AutoCloseable {

    private final SvidSource source;
    private final AtomicLong sequence = new AtomicLong(1);
    private final List<BigInteger> revoked = new CopyOnWriteArrayList<>();
    private final List<StreamObserver<WatchTrustBundleResponse>> watchers = new CopyOnWriteArrayList<>();
    private final KeyPair crlKey;
    private volatile Server server;
    private volatile int port;

    public FakeCertAuthority(SvidSource source) throws Exception {
        this.source = source;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        this.crlKey = generator.generateKeyPair();
        start(0);
    }

    private void start(int onPort) throws IOException {
        server = NettyServerBuilder.forPort(onPort)
                .sslContext(TlsContexts.grpcServer(source, ClientAuth.REQUIRE))
                .addService(new CertificateAuthorityGrpc.CertificateAuthorityImplBase() {
                    @Override
                    public void watchTrustBundle(WatchTrustBundleRequest request,
                            StreamObserver<WatchTrustBundleResponse> responses) {
                        ((ServerCallStreamObserver<WatchTrustBundleResponse>) responses).setOnCancelHandler(
                                () -> watchers.remove(responses));
                        watchers.add(responses);
                        send(responses);
                    }
                })
                .build()
                .start();
        port = server.getPort();
    }

    public int port() {
        return port;
    }

    /** Adds {@code certificate} to the CRL and pushes a new bundle to every watcher. */
    public void revoke(X509Certificate certificate) {
        revoked.add(certificate.getSerialNumber());
        sequence.incrementAndGet();
        for (StreamObserver<WatchTrustBundleResponse> w : watchers) {
            try {
                send(w);
            } catch (RuntimeException e) {
                // a cancelled watcher; its cancel handler removes it
            }
        }
    }

    public int watchers() {
        return watchers.size();
    }

    /** Stops serving (open streams fail with UNAVAILABLE). */
    public void stop() {
        server.shutdownNow();
        watchers.clear();
    }

    /** Serves again on the same port. */
    public void restart() throws IOException {
        start(port);
    }

    private void send(StreamObserver<WatchTrustBundleResponse> to) {
        TrustBundle.Builder bundle = TrustBundle.newBuilder().setTrustDomain(source.bundle().trustDomain().name())
                .setSequenceNumber(sequence.get());
        try {
            for (X509Certificate root : source.bundle().authorities()) {
                bundle.addX509Authorities(ByteString.copyFrom(root.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        if (!revoked.isEmpty()) {
            bundle.addCrls(ByteString.copyFrom(crl()));
        }
        synchronized (to) {
            to.onNext(WatchTrustBundleResponse.newBuilder().setBundle(bundle).build());
        }
    }

    private byte[] crl() {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder builder = new X509v2CRLBuilder(new X500Name("CN=fake intermediate"), Date.from(now));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (BigInteger serial : revoked) {
                builder.addCRLEntry(serial, Date.from(now), CRLReason.keyCompromise);
            }
            return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(crlKey.getPrivate())).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test CRL: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
