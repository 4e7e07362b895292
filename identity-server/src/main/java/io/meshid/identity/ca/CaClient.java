package io.meshid.identity.ca;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.identity.IdentityConfig;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityBlockingStub;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.ca.v1.EnsureTrustDomainRequest;
import io.meshid.proto.ca.v1.EnsureTrustDomainResponse;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.RevokeCertificateRequest;
import io.meshid.proto.ca.v1.RevokeCertificateResponse;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.common.v1.TrustBundle;
import io.micronaut.context.BeanProvider;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * identity-server's client of cert-authority: one persistent mTLS channel, authenticated with
 * identity-server's own SVID, that accepts only the CA's SPIFFE ID
 * ({@code spiffe://<trust-domain>/meshid/cert-authority}). Every call has a deadline. The CA's
 * {@code INVALID_ARGUMENT} and {@code NOT_FOUND} reach the caller as they are (it names what was wrong with the CSR); its
 * {@code PERMISSION_DENIED} and {@code FAILED_PRECONDITION} (a DNS name the trust domain may not have, say: a refusal of what
 * the entry asks for, not an outage) become {@code FAILED_PRECONDITION} with the CA's message; other failures become
 * {@code UNAVAILABLE}, which a caller may retry. Keeps the newest trust bundle fetched per trust domain
 * ({@link #bundle(SpiffeId, long)}). Thread-safe.
 */
@Singleton
public final class CaClient {

    private final BeanProvider<SvidSource> identity;
    private final IdentityConfig config;
    private final Duration deadline;
    private final java.util.concurrent.ConcurrentMap<TrustDomain, TrustBundle> bundles = new java.util.concurrent.ConcurrentHashMap<>();
    private ManagedChannel channel;
    private CertificateAuthorityBlockingStub stub;

    CaClient(BeanProvider<SvidSource> identity, IdentityConfig config) {
        this.identity = identity;
        this.config = config;
        this.deadline = config.getCaDeadline();
    }

    /** The stub over the channel, opened on first use (the server may start before the CA). */
    private synchronized CertificateAuthorityBlockingStub stub() {
        if (stub == null) {
            if (!identity.isPresent()) {
                throw new MeshidException.Unavailable("identity-server has no SVID (meshid.tls.mode=plaintext), so it cannot "
                        + "call cert-authority over mutual TLS", null);
            }
            SvidSource own = identity.get();
            SpiffeId expected = SpiffeId.of(own.svid().spiffeId().trustDomain(), "/meshid/cert-authority");
            int colon = config.getCaAddress().lastIndexOf(':');
            channel = NettyChannelBuilder.forAddress(config.getCaAddress().substring(0, colon),
                            Integer.parseInt(config.getCaAddress().substring(colon + 1)))
                    .sslContext(TlsContexts.grpcClient(own, expected::equals))
                    .build();
            stub = CertificateAuthorityGrpc.newBlockingStub(channel);
        }
        return stub;
    }

    /**
     * Has cert-authority sign an X.509-SVID for {@code id}; with {@code admin} (an entry flagged
     * admin) it carries the admin mark ({@code io.meshid.common.authz.AdminMark}).
     */
    public SignX509SvidResponse sign(byte[] csr, SpiffeId id, Duration ttl, List<String> dnsNames, String entryId, boolean admin) {
        try {
            return stub().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).signX509Svid(SignX509SvidRequest.newBuilder()
                    .setCsr(ByteString.copyFrom(csr)).setSpiffeId(id.toString())
                    .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(ttl.getSeconds()))
                    .addAllDnsNames(dnsNames).setEntryId(entryId).setAdmin(admin).build());
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    /**
     * The trust bundle of {@code id}'s trust domain with a sequence number of at least
     * {@code atLeast} (as {@code SignX509SvidResponse.bundle_sequence_number} names it): from memory
     * when the last bundle fetched is that new, else fetched from the CA. The CA raises the
     * sequence number with every change of the bundle (authorities, CRLs), so a signed SVID never
     * goes out with a bundle older than the one that verifies it, and an attestation or renewal
     * costs one call to the CA, not two.
     */
    public TrustBundle bundle(SpiffeId id, long atLeast) {
        TrustBundle known = bundles.get(id.trustDomain());
        if (known != null && known.getSequenceNumber() >= atLeast) {
            return known;
        }
        TrustBundle fetched = bundle(id);
        bundles.merge(id.trustDomain(), fetched, (a, b) -> a.getSequenceNumber() >= b.getSequenceNumber() ? a : b);
        return fetched;
    }

    /** The current trust bundle of {@code id}'s trust domain. */
    public TrustBundle bundle(SpiffeId id) {
        try {
            return stub().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain(id.trustDomain().name()).build()).getBundle();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    /** Has cert-authority revoke {@code serial} of {@code domain}. */
    public RevokeCertificateResponse revoke(TrustDomain domain, String serial, RevocationReason reason, String comment) {
        try {
            return stub().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).revokeCertificate(RevokeCertificateRequest
                    .newBuilder().setTrustDomain(domain.name()).setSerialNumber(serial).setReason(reason).setComment(comment).build());
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    /** Makes cert-authority serve {@code domain} (creating its authorities if needed). */
    public EnsureTrustDomainResponse ensureTrustDomain(TrustDomain domain) {
        try {
            return stub().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .ensureTrustDomain(EnsureTrustDomainRequest.newBuilder().setTrustDomain(domain.name()).build());
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    private static MeshidException translate(StatusRuntimeException e) {
        String description = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case INVALID_ARGUMENT -> new MeshidException.InvalidArgument(description);
            case NOT_FOUND -> new MeshidException.NotFound(description);
            // Retrying cannot help: the CA refused what was asked (an entry's DNS names outside the trust domain's suffixes,
            // or identity-server's own right to ask), and its message says which; UNAVAILABLE would invite retries.
            case PERMISSION_DENIED, FAILED_PRECONDITION -> new MeshidException.FailedPrecondition("cert-authority refused: " + description);
            default -> new MeshidException.Unavailable("cert-authority: " + e.getStatus().getCode() + ": " + description, e);
        };
    }

    @PreDestroy
    synchronized void close() throws InterruptedException {
        if (channel != null) {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
