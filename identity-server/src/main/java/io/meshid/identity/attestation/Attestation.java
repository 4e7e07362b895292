package io.meshid.identity.attestation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.csr.WorkloadCsr;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.kubernetes.KubernetesTokenVerifier;
import io.meshid.common.kubernetes.KubernetesTokenVerifier.ServiceAccount;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.registry.KubernetesSelectors;
import io.meshid.identity.registry.Selector;
import io.meshid.identity.svid.SvidIssuer;
import io.meshid.identity.svid.SvidRecords;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.common.v1.TrustBundle;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Proves what a workload is and has its first X.509-SVID signed. With a join token: the token's
 * entry gives the SPIFFE ID; the CSR is checked ({@link WorkloadCsr}: well-formed, a key meshid
 * signs, proof of possession before the token is even read; no other names than the entry's once
 * it is known) before anything is consumed; the token's entry and whether the CSR's key served an
 * SVID of its ID come in one read; and the token is consumed in the transaction that records the
 * signed SVID (exactly once, even across replicas: of two attestations racing with one token, one
 * gets the SVID and the other {@code UNAUTHENTICATED}); a request refused before that leaves the
 * token usable. With a
 * Kubernetes service account token: the token is verified against its cluster's JWKS, its
 * cluster, namespace and service account become the facts {@code k8s:cluster:<name>},
 * {@code k8s:ns:<ns>} and {@code k8s:sa:<sa>}, and the entries of the cluster's trust domain with
 * the first two and at most the third are the candidates (none: PERMISSION_DENIED; several:
 * spiffe_id chooses). The
 * CSR's key must be fresh for the SPIFFE ID ({@link SvidIssuer}). Every outcome is audited; no
 * token ever is. Failed attempts are counted per source address ({@link AttestFailures}).
 * Thread-safe.
 */
@Singleton
public final class Attestation {

    /** Largest CSR accepted before anything is consumed, as cert-authority's own limit. */
    static final int MAX_CSR_BYTES = 8 * 1024;
    private static final int MAX_CANDIDATES = 100;

    private final Registry registry;
    private final SvidIssuer issuer;
    private final AuditLog audit;
    private final Clock clock;
    private final AttestFailures failures;
    private final KubernetesTokenVerifier kubernetes;
    private final SvidRecords records;

    Attestation(Registry registry, SvidIssuer issuer, AuditLog audit, Clock clock, AttestFailures failures,
            KubernetesTokenVerifier kubernetes, SvidRecords records) {
        this.records = records;
        this.registry = registry;
        this.issuer = issuer;
        this.audit = audit;
        this.clock = clock;
        this.failures = failures;
        this.kubernetes = kubernetes;
    }

    /** What attestation gives a workload: its entry, its SVID and its trust bundle. */
    public record Result(RegistrationEntry entry, SignX509SvidResponse signed, TrustBundle bundle) {
    }

    /**
     * Attests with a join token.
     *
     * @param source the caller's address, for the audit trail and the failure count
     */
    public Result withJoinToken(String token, byte[] csr, Optional<SpiffeId> requested, String source) {
        String action = "attest.join_token";
        checkCsrSize(csr);
        refuseIfBlocked(source, action);
        Csr checked = Csr.parse(csr);
        Optional<RegistrationEntry> bound;
        boolean keyUsed = false;
        if (checked.csr() != null) {
            Optional<Registry.TokenEntry> found = registry.unusedJoinToken(token, checked.csr().keySha256());
            bound = found.map(Registry.TokenEntry::entry);
            keyUsed = found.map(Registry.TokenEntry::keyUsed).orElse(false);
        } else {
            bound = registry.unusedJoinToken(token);
        }
        if (bound.isEmpty()) {
            throw failed(source, action, "unknown", unknownToken());
        }
        RegistrationEntry entry = bound.get();
        if (requested.isPresent() && !requested.get().equals(entry.spiffeId())) {
            record(entry.spiffeId().trustDomain().name(), action, entry.spiffeId().toString(), AuditEvent.Outcome.DENIED,
                    "asked for " + requested.get() + "; the token is bound to entry " + entry.id());
            throw new MeshidException.PermissionDenied("spiffe_id: " + requested.get() + " is not the SPIFFE ID of the join token's "
                    + "entry (expected: " + entry.spiffeId() + ", or leave it empty)");
        }
        try {
            return issue(action, entry, checked, keyUsed, Optional.of(Registry.joinTokenDigest(token)), source);
        } catch (MeshidException.Unauthenticated lostRace) {
            // Another attestation consumed the token between the read and the record (audited by issue): counts as a failure.
            failures.failed(source);
            throw lostRace;
        }
    }

    /** A CSR parsed and its proof of possession verified, or why not (refused once the entry is known, to audit it there). */
    private record Csr(WorkloadCsr csr, MeshidException.InvalidArgument refusal) {

        static Csr parse(byte[] der) {
            try {
                return new Csr(WorkloadCsr.parse(der, MAX_CSR_BYTES, EnumSet.allOf(WorkloadCsr.KeyType.class)), null);
            } catch (MeshidException.InvalidArgument e) {
                return new Csr(null, e);
            }
        }

        /** The CSR checked for {@code entry}. */
        WorkloadCsr forEntry(RegistrationEntry entry) {
            if (refusal != null) {
                throw refusal;
            }
            return csr.checkRequests(entry.spiffeId(), entry.dnsNames());
        }
    }

    private static MeshidException.Unauthenticated unknownToken() {
        return new MeshidException.Unauthenticated("join token: unknown, expired or already used "
                + "(expected: an unused token from RegistryService.CreateJoinToken, within its TTL)");
    }

    /** Attests with a Kubernetes projected service account token of {@code cluster}. */
    public Result withKubernetes(String cluster, String token, byte[] csr, Optional<SpiffeId> requested, String source) {
        String action = "attest.kubernetes";
        checkCsrSize(csr);
        refuseIfBlocked(source, action);
        Csr checked = Csr.parse(csr);
        ServiceAccount account;
        try {
            account = kubernetes.verify(cluster, token);
        } catch (MeshidException.Unauthenticated e) {
            String domain = kubernetes.trustDomainOf(cluster).map(d -> d.name()).orElse("unknown");
            throw failed(source, action, domain, e);
        }
        String domain = account.trustDomain().name();
        String subject = "k8s " + account.cluster() + "/" + account.namespace() + "/" + account.name();
        List<Selector> required = List.of(KubernetesSelectors.cluster(account.cluster()), KubernetesSelectors.namespace(account.namespace()));
        Selector sa = KubernetesSelectors.serviceAccount(account.name());
        List<Selector> facts = List.of(required.get(0), required.get(1), sa);
        List<RegistrationEntry> candidates = registry.entriesMatching(account.trustDomain(), required, List.of(sa), MAX_CANDIDATES);
        if (candidates.isEmpty()) {
            record(domain, action, subject, AuditEvent.Outcome.DENIED, "no entry matches " + facts + "; from " + source);
            throw new MeshidException.PermissionDenied("no registration entry of " + domain + " matches " + facts
                    + " (expected: an entry with this cluster's and namespace's selectors, and at most this service account's)");
        }
        RegistrationEntry entry;
        if (requested.isPresent()) {
            entry = candidates.stream().filter(e -> e.spiffeId().equals(requested.get())).findFirst().orElseThrow(() -> {
                record(domain, action, subject, AuditEvent.Outcome.DENIED, "asked for " + requested.get() + ", not among the matching entries");
                return new MeshidException.PermissionDenied("spiffe_id: " + requested.get() + " is not among the entries matching "
                        + facts + " (expected: one of " + candidates.stream().map(e -> e.spiffeId().toString()).distinct().toList() + ")");
            });
        } else if (candidates.stream().map(RegistrationEntry::spiffeId).distinct().count() > 1) {
            record(domain, action, subject, AuditEvent.Outcome.DENIED, candidates.size() + " entries match and no spiffe_id was given");
            throw new MeshidException.FailedPrecondition("spiffe_id: not set, and " + candidates.size() + " entries match " + facts
                    + " (expected: one of " + candidates.stream().map(e -> e.spiffeId().toString()).distinct().toList() + ")");
        } else {
            entry = candidates.get(0);
        }
        boolean keyUsed = checked.csr() != null && records.keyUsed(entry.spiffeId(), checked.csr().keySha256());
        return issue(action, entry, checked, keyUsed, Optional.empty(), source + ", " + subject);
    }

    /**
     * Checks the CSR against the entry (nothing is consumed or written for a bad one), has it signed
     * and records it, with the join token consumed in the same transaction when there is one.
     */
    private Result issue(String action, RegistrationEntry entry, Csr csr, boolean keyUsed, Optional<String> joinToken, String from) {
        String domain = entry.spiffeId().trustDomain().name();
        try {
            WorkloadCsr checked = csr.forEntry(entry);
            if (keyUsed) {
                throw SvidIssuer.keyReused(entry.spiffeId(), checked.keySha256());
            }
            SvidIssuer.Issued issued = issuer.issue(entry, checked, joinToken, Optional.empty(), serial -> event(domain, action,
                    entry.spiffeId().toString(), AuditEvent.Outcome.SUCCESS, "entry " + entry.id() + ", serial " + serial + ", from " + from));
            return new Result(entry, issued.signed(), issued.bundle());
        } catch (MeshidException e) {
            record(domain, action, entry.spiffeId().toString(), e instanceof MeshidException.Unavailable ? AuditEvent.Outcome.FAILED
                    : AuditEvent.Outcome.DENIED, "entry " + entry.id() + ": " + e.getMessage());
            throw e;
        }
    }

    private void refuseIfBlocked(String source, String action) {
        if (failures.blocked(source)) {
            record("unknown", action, "-", AuditEvent.Outcome.DENIED, "refused: " + failures.limit()
                    + " failed attestations in a minute from " + source);
            throw failures.refusal(source);
        }
    }

    private MeshidException failed(String source, String action, String domain, MeshidException e) {
        long count = failures.failed(source);
        record(domain, action, "-", AuditEvent.Outcome.DENIED, e.getMessage() + "; from " + source + " (" + count
                + " failures this minute)");
        return e;
    }

    /** Refuses an empty or oversized CSR before anything is read; {@link WorkloadCsr} checks the rest before anything is consumed. */
    static void checkCsrSize(byte[] csr) {
        if (csr.length == 0 || csr.length > MAX_CSR_BYTES) {
            throw new MeshidException.InvalidArgument("csr: " + csr.length + " bytes (expected: a PKCS#10 request in DER, 1 to "
                    + MAX_CSR_BYTES + " bytes)");
        }
    }

    private void record(String domain, String action, String target, AuditEvent.Outcome outcome, String detail) {
        audit.record(event(domain, action, target, outcome, detail));
    }

    private AuditEvent event(String domain, String action, String target, AuditEvent.Outcome outcome, String detail) {
        return AuditEvent.of(clock.instant(), domain, "anonymous", action, target, outcome, detail, RequestIds.current());
    }
}
