package io.meshid.common.revocation;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.common.v1.TrustBundle;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The revoked certificates of this server's trust domain as cert-authority publishes them: the
 * CRLs of its trust bundle ({@code GetTrustBundle}, over mutual TLS with this server's SVID, to the
 * CA's SPIFFE ID only). The CA adds a serial to its CRL, in a new bundle, before
 * {@code RevokeCertificate} answers, so a server that polls the bundle every
 * {@code meshid.revocation.reload-interval} refuses a revoked SVID within that interval, with no
 * shared store or database between the processes (the embedded default: one H2 file and one
 * in-process store per server). CRLs are parsed ({@link BundleCrls}) only when the bundle's
 * sequence number changed.
 *
 * <p>Present when {@code meshid.revocation.ca-address} ({@code host:port}) is set: identity-server
 * and policy-server. Thread-safe.
 */
@Singleton
@Requires(property = CaBundleRevocations.CA_ADDRESS)
final class CaBundleRevocations implements RevocationSource {

    static final String CA_ADDRESS = "meshid.revocation.ca-address";
    private static final long DEADLINE_MILLIS = 2_000;

    private final String address;
    private final SvidSource own;
    private ManagedChannel channel;
    private CertificateAuthorityGrpc.CertificateAuthorityBlockingStub stub;
    private long sequence = -1;
    private List<RevokedSerial> last = List.of();

    CaBundleRevocations(@Value("${" + CA_ADDRESS + "}") String address, SvidSource own) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1 || !address.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            throw new ConfigurationException(CA_ADDRESS + ": '" + address + "' (expected: cert-authority's gRPC host:port)");
        }
        this.address = address.strip();
        this.own = own;
    }

    @Override
    public String describe() {
        return "cert-authority's trust bundle at " + address;
    }

    @Override
    public synchronized List<RevokedSerial> revoked(Instant now) {
        TrustDomain domain = own.svid().spiffeId().trustDomain();
        TrustBundle bundle;
        try {
            bundle = stub().withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain(domain.name()).build()).getBundle();
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException("GetTrustBundle(" + domain + ") at " + address + ": " + e.getStatus().getCode()
                    + " " + e.getStatus().getDescription(), e);
        }
        if (bundle.getSequenceNumber() != sequence) {
            last = BundleCrls.revokedSerials(domain, bundle);
            sequence = bundle.getSequenceNumber();
        }
        return last;
    }

    private CertificateAuthorityGrpc.CertificateAuthorityBlockingStub stub() {
        if (stub == null) {
            SpiffeId ca = SpiffeId.of(own.svid().spiffeId().trustDomain(), "/meshid/cert-authority");
            int colon = address.lastIndexOf(':');
            channel = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                    .sslContext(TlsContexts.grpcClient(own, ca::equals)).build();
            stub = CertificateAuthorityGrpc.newBlockingStub(channel);
        }
        return stub;
    }

    @PreDestroy
    synchronized void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
