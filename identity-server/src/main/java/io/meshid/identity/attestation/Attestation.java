package io.meshid.identity.attestation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.common.v1.TrustBundle;
import jakarta.inject.Singleton;
import io.meshid.common.store.SharedStore;
import io.meshid.identity.IdentityConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Proves what a workload is and has its first X.509-SVID signed. With a join token: the token is
 * consumed (exactly once, even across replicas, and even if a later step fails), its entry gives
 * the SPIFFE ID, TTL and DNS names, and cert-authority signs the CSR. Every outcome, success or
 * failure, is in the audit trail; the token itself never is. Failed attempts are counted per
 * source address in the shared store; past the limit a source is refused for the rest of the
 * minute. Thread-safe.
 */
@Singleton
public final class Attestation {

    /** Largest CSR accepted before anything is consumed, as cert-authority's own limit. */
    static final int MAX_CSR_BYTES = 8 * 1024;

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final Registry registry;
    private final CaClient ca;
    private final AuditLog audit;
    private final Clock clock;
    private final SharedStore store;
    private final int failuresPerMinute;

    Attestation(Registry registry, CaClient ca, AuditLog audit, Clock clock, SharedStore store, IdentityConfig config) {
        this.registry = registry;
        this.ca = ca;
        this.audit = audit;
        this.clock = clock;
        this.store = store;
        this.failuresPerMinute = config.getAttestFailuresPerMinute();
    }

    /** What attestation gives a workload: its entry, its SVID and its trust bundle. */
    public record Result(RegistrationEntry entry, SignX509SvidResponse signed, TrustBundle bundle) {
    }

    /**
     * Attests with a join token.
     *
     * @param source the caller's address, for the audit trail
     */
    public Result withJoinToken(String token, byte[] csr, Optional<SpiffeId> requested, String source) {
        checkCsrSize(csr);
        String failures = "attest-failures:" + source;
        if (store.get(failures).map(Long::parseLong).orElse(0L) >= failuresPerMinute) {
            record("unknown", "attest.join_token", "-", AuditEvent.Outcome.DENIED, "refused: " + failuresPerMinute
                    + " failed attestations in a minute from " + source);
            throw new MeshidException.ResourceExhausted("too many failed attestations from " + source + " (expected: at most "
                    + failuresPerMinute + " a minute; wait and retry with a valid join token)");
        }
        Optional<RegistrationEntry> consumed = registry.consumeJoinToken(token);
        if (consumed.isEmpty()) {
            long count = store.increment(failures, WINDOW);
            record("unknown", "attest.join_token", "-", AuditEvent.Outcome.DENIED, "join token unknown, expired or used; from "
                    + source + " (" + count + " failures this minute)");
            throw new MeshidException.Unauthenticated("join token: unknown, expired or already used (expected: an unused token "
                    + "from RegistryService.CreateJoinToken, within its TTL)");
        }
        RegistrationEntry entry = consumed.get();
        String domain = entry.spiffeId().trustDomain().name();
        if (requested.isPresent() && !requested.get().equals(entry.spiffeId())) {
            record(domain, "attest.join_token", entry.spiffeId().toString(), AuditEvent.Outcome.DENIED,
                    "asked for " + requested.get() + "; the token is bound to entry " + entry.id());
            throw new MeshidException.PermissionDenied("spiffe_id: " + requested.get() + " is not the SPIFFE ID of the join token's "
                    + "entry (expected: " + entry.spiffeId() + ", or leave it empty)");
        }
        try {
            SignX509SvidResponse signed = ca.sign(csr, entry.spiffeId(), entry.x509SvidTtl(), entry.dnsNames(), entry.id());
            TrustBundle bundle = ca.bundle(entry.spiffeId());
            record(domain, "attest.join_token", entry.spiffeId().toString(), AuditEvent.Outcome.SUCCESS,
                    "entry " + entry.id() + ", serial " + signed.getSvid().getSerialNumber() + ", from " + source);
            return new Result(entry, signed, bundle);
        } catch (MeshidException e) {
            record(domain, "attest.join_token", entry.spiffeId().toString(), AuditEvent.Outcome.FAILED,
                    "entry " + entry.id() + ": " + e.getMessage());
            throw e;
        }
    }

    /** Refuses an empty or oversized CSR before anything is consumed; the CA checks the rest. */
    static void checkCsrSize(byte[] csr) {
        if (csr.length == 0 || csr.length > MAX_CSR_BYTES) {
            throw new MeshidException.InvalidArgument("csr: " + csr.length + " bytes (expected: a PKCS#10 request in DER, 1 to "
                    + MAX_CSR_BYTES + " bytes)");
        }
    }

    private void record(String domain, String action, String target, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), domain, "anonymous", action, target, outcome, detail, RequestIds.current()));
    }
}
