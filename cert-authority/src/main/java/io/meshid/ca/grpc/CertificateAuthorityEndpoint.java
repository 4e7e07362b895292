package io.meshid.ca.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshid.ca.authority.Authority;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.bundle.BundleHub;
import io.meshid.ca.issuance.WorkloadCa;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.ca.journal.IssuanceJournal;
import io.meshid.ca.journal.JournalPage;
import io.meshid.ca.journal.JournalQuery;
import io.meshid.common.authz.CallerClass;
import io.meshid.common.authz.Grant;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityImplBase;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.GetTrustBundleResponse;
import io.meshid.ca.revocation.Revocations;
import io.meshid.proto.ca.v1.EnsureTrustDomainRequest;
import io.meshid.proto.ca.v1.EnsureTrustDomainResponse;
import io.meshid.proto.ca.v1.RevokeCertificateRequest;
import io.meshid.proto.ca.v1.RevokeCertificateResponse;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.ListIssuedResponse;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.RotateAuthorityResponse;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code meshid.ca.v1.CertificateAuthority} gRPC service: validates each request, scopes the
 * caller that {@link CaAuthorization}'s table let in to the request's trust domain, calls one
 * domain method, and writes the reply. Errors are thrown as
 * {@link MeshidException}s and mapped to statuses in one place ({@link ErrorMappingInterceptor}).
 */
@Singleton
final class CertificateAuthorityEndpoint extends CertificateAuthorityImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthorityEndpoint.class);
    private static final int MAX_REASON = 512;
    /** Open WatchTrustBundle streams one caller may hold. */
    static final int MAX_WATCHES = 8;
    /** How long the old authorities stay in the bundle after a compromise, unless the request says. */
    static final Duration DEFAULT_CUTOFF = Duration.ofMinutes(5);
    static final Duration MAX_CUTOFF = Duration.ofHours(1);

    private final Map<SpiffeId, AtomicInteger> watches = new ConcurrentHashMap<>();

    private final WorkloadCa ca;
    private final AuthorityManager authorities;
    private final BundleHub bundles;
    private final IssuanceJournal journal;
    private final MeshidConfig meshid;
    private final Revocations revocations;

    CertificateAuthorityEndpoint(WorkloadCa ca, AuthorityManager authorities, BundleHub bundles, IssuanceJournal journal,
            MeshidConfig meshid, Revocations revocations) {
        this.revocations = revocations;
        this.ca = ca;
        this.authorities = authorities;
        this.bundles = bundles;
        this.journal = journal;
        this.meshid = meshid;
    }

    /**
     * Tenant scoping of the signer-or-admin rpcs ({@link CaAuthorization} let the caller in): a
     * caller of {@code domain} itself, or a signer of the CA's own trust domain (identity-server
     * of the system trust domain serves every trust domain created through it).
     */
    private SpiffeId issuerIn(TrustDomain domain, String action) {
        Grant grant = Grant.current();
        if (grant.has(CallerClass.SIGNER) && grant.caller().memberOf(meshid.getTrustDomain())) {
            return grant.caller();
        }
        return grant.requireMemberOf(domain, action);
    }

    @Override
    public void signX509Svid(SignX509SvidRequest request, StreamObserver<SignX509SvidResponse> response) {
        SpiffeId id = CaMessages.spiffeId("spiffe_id", request.getSpiffeId());
        if (!authorities.serves(id.trustDomain())) {
            throw new MeshidException.InvalidArgument("spiffe_id: " + id + " is in trust domain " + id.trustDomain()
                    + " (expected: a trust domain this CA serves, one of " + authorities.trustDomains() + ")");
        }
        SpiffeId caller = issuerIn(id.trustDomain(), "have SVIDs signed");
        boolean signer = Grant.current().has(CallerClass.SIGNER);
        if (request.getAdmin() && !signer) {
            throw new MeshidException.PermissionDenied("admin: true from " + caller + " (expected: only a signer, identity-server, "
                    + "asks for admin SVIDs, for an entry with admin = true)");
        }
        Optional<Duration> ttl = request.hasTtl()
                ? Optional.of(Duration.ofSeconds(request.getTtl().getSeconds(), request.getTtl().getNanos()))
                : Optional.empty();
        // Answered when the journal line is committed, without holding this thread meanwhile.
        ca.signX509SvidAsync(new X509SvidParams(request.getCsr().toByteArray(), id, ttl, request.getDnsNamesList(),
                request.getEntryId(), caller.toString(), request.getAdmin(), List.of(), signer)).whenComplete((issued, failure) -> {
                    if (failure != null) {
                        response.onError(ErrorMappingInterceptor.toStatus(unwrap(failure)).asRuntimeException());
                        return;
                    }
                    response.onNext(SignX509SvidResponse.newBuilder()
                            .setSvid(CaMessages.svid(issued))
                            .setBundleSequenceNumber(authorities.bundle(id.trustDomain()).sequence())
                            .build());
                    response.onCompleted();
                });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    @Override
    public void getTrustBundle(GetTrustBundleRequest request, StreamObserver<GetTrustBundleResponse> response) {
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        authorities.serves(domain);
        response.onNext(GetTrustBundleResponse.newBuilder().setBundle(CaMessages.bundle(authorities.bundle(domain))).build());
        response.onCompleted();
    }

    @Override
    public void watchTrustBundle(WatchTrustBundleRequest request, StreamObserver<WatchTrustBundleResponse> response) {
        SpiffeId caller = Grant.current().caller();
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        authorities.bundle(domain);
        AtomicInteger open = watches.computeIfAbsent(caller, c -> new AtomicInteger());
        if (open.incrementAndGet() > MAX_WATCHES) {
            open.decrementAndGet();
            throw new MeshidException.ResourceExhausted("caller " + caller
                    + " already has " + MAX_WATCHES + " open WatchTrustBundle streams (expected: at most " + MAX_WATCHES
                    + "; one per process is enough)");
        }
        ServerCallStreamObserver<WatchTrustBundleResponse> stream = (ServerCallStreamObserver<WatchTrustBundleResponse>) response;
        LatestBundleSender<WatchTrustBundleResponse> sender = new LatestBundleSender<>(stream);
        AutoCloseable subscription = bundles.subscribe(domain,
                bundle -> sender.accept(WatchTrustBundleResponse.newBuilder().setBundle(CaMessages.bundle(bundle)).build()));
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                close(subscription);
                open.decrementAndGet();
            }
        };
        stream.setOnCancelHandler(release);
        stream.setOnCloseHandler(release);
    }

    @Override
    public void rotateAuthority(RotateAuthorityRequest request, StreamObserver<RotateAuthorityResponse> response) {
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        Authority.Level level = switch (request.getLevel()) {
            case AUTHORITY_LEVEL_INTERMEDIATE -> Authority.Level.INTERMEDIATE;
            case AUTHORITY_LEVEL_ROOT -> Authority.Level.ROOT;
            default -> throw new MeshidException.InvalidArgument("level: " + request.getLevel()
                    + " (expected: AUTHORITY_LEVEL_INTERMEDIATE or AUTHORITY_LEVEL_ROOT)");
        };
        String reason = request.getReason().strip();
        if (reason.isEmpty() || reason.length() > MAX_REASON) {
            throw new MeshidException.InvalidArgument("reason: " + reason.length() + " characters (expected: 1 to " + MAX_REASON
                    + ", for the audit trail)");
        }
        Duration cutoff = compromiseCutoff(request);
        SpiffeId admin = Grant.current().requireMemberOf(domain, "rotate authorities");
        if (!authorities.trustDomains().contains(domain)) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not served by this CA");
        }
        AuthorityManager.Rotation rotation = request.getCompromised()
                ? authorities.rotateCompromised(domain, reason, admin.toString(), cutoff)
                : authorities.rotateNow(domain, level, reason, admin.toString());
        RotateAuthorityResponse.Builder reply = RotateAuthorityResponse.newBuilder().setBundle(CaMessages.bundle(rotation.bundle()));
        rotation.cutoffAt().ifPresent(t -> reply.setCutoffAt(com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond()).setNanos(t.getNano())));
        rotation.activated().forEach(a -> reply.addActivated(CaMessages.authority(a)));
        rotation.stopped().forEach(a -> reply.addRetired(CaMessages.authority(a)));
        response.onNext(reply.build());
        response.onCompleted();
    }

    /** The compromise window: unset is {@link #DEFAULT_CUTOFF}; only with compromised; 0 to {@link #MAX_CUTOFF}. */
    private static Duration compromiseCutoff(RotateAuthorityRequest request) {
        if (!request.hasCutoffAfter()) {
            return DEFAULT_CUTOFF;
        }
        Duration cutoff = Duration.ofSeconds(request.getCutoffAfter().getSeconds(), request.getCutoffAfter().getNanos());
        if (!request.getCompromised()) {
            throw new MeshidException.InvalidArgument("cutoff_after: " + cutoff + " without compromised (expected: unset, or "
                    + "compromised = true)");
        }
        if (cutoff.isNegative() || cutoff.compareTo(MAX_CUTOFF) > 0) {
            throw new MeshidException.InvalidArgument("cutoff_after: " + cutoff + " (expected: between PT0S and " + MAX_CUTOFF
                    + ", or unset for " + DEFAULT_CUTOFF + ")");
        }
        return cutoff;
    }

    @Override
    public void revokeCertificate(RevokeCertificateRequest request, StreamObserver<RevokeCertificateResponse> response) {
        if (request.getTrustDomain().isEmpty()) {
            throw new MeshidException.InvalidArgument("trust_domain: empty (expected: the trust domain that issued the certificate)");
        }
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        if (request.getReason() == RevocationReason.REVOCATION_REASON_UNSPECIFIED || request.getReason() == RevocationReason.UNRECOGNIZED) {
            throw new MeshidException.InvalidArgument("reason: " + request.getReason() + " (expected: a RevocationReason such as "
                    + "REVOCATION_REASON_KEY_COMPROMISE)");
        }
        SpiffeId caller = issuerIn(domain, "revoke certificates");
        Revocations.Revoked revoked = revocations.revoke(domain, request.getSerialNumber().toLowerCase(java.util.Locale.ROOT),
                request.getReason().name().substring("REVOCATION_REASON_".length()), request.getComment(), caller.toString());
        response.onNext(RevokeCertificateResponse.newBuilder().setCertificate(CaMessages.issued(revoked.certificate()))
                .setBundleSequenceNumber(revoked.bundleSequence()).build());
        response.onCompleted();
    }

    @Override
    public void ensureTrustDomain(EnsureTrustDomainRequest request, StreamObserver<EnsureTrustDomainResponse> response) {
        if (request.getTrustDomain().isEmpty()) {
            throw new MeshidException.InvalidArgument("trust_domain: empty (expected: the trust domain to serve, such as tenant.example.org)");
        }
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        SpiffeId caller = Grant.current().requireMemberOf(meshid.getTrustDomain(), "create trust domains");
        boolean created = authorities.serve(domain, caller.toString());
        response.onNext(EnsureTrustDomainResponse.newBuilder().setBundle(CaMessages.bundle(authorities.bundle(domain)))
                .setCreated(created).build());
        response.onCompleted();
    }

    @Override
    public void listIssued(ListIssuedRequest request, StreamObserver<ListIssuedResponse> response) {
        TrustDomain domain = CaMessages.trustDomain(request.getTrustDomain(), meshid.getTrustDomain());
        Grant.current().requireMemberOf(domain, "read the issuance journal");
        int size = request.getPageSize() == 0 ? JournalQuery.DEFAULT_PAGE_SIZE : request.getPageSize();
        if (size < 0 || size > JournalQuery.MAX_PAGE_SIZE) {
            throw new MeshidException.InvalidArgument("page_size: " + request.getPageSize()
                    + " (expected: between 1 and " + JournalQuery.MAX_PAGE_SIZE + ", or 0 for " + JournalQuery.DEFAULT_PAGE_SIZE + ")");
        }
        Optional<String> spiffeId = request.getSpiffeId().isEmpty() ? Optional.empty()
                : Optional.of(CaMessages.spiffeId("spiffe_id", request.getSpiffeId()).toString());
        JournalPage page = journal.list(new JournalQuery(domain.name(), spiffeId,
                Optional.of(request.getSerialNumber()).filter(s -> !s.isEmpty()).map(String::toLowerCase), size,
                Optional.of(request.getPageToken()).filter(s -> !s.isEmpty())));
        ListIssuedResponse.Builder reply = ListIssuedResponse.newBuilder();
        page.certificates().forEach(c -> reply.addCertificates(CaMessages.issued(c)));
        page.nextPageToken().ifPresent(reply::setNextPageToken);
        response.onNext(reply.build());
        response.onCompleted();
    }

    private static void close(AutoCloseable subscription) {
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.debug("closing a bundle subscription failed", e);
        }
    }
}
