package io.meshid.identity.attestation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Renews a workload's X.509-SVID over mutual TLS: only for the SPIFFE ID it presents, only while
 * a registration entry still holds that ID (whose TTL and DNS names apply), and only for a new
 * key: a CSR for the key the caller already holds is refused, so a stolen key cannot be renewed
 * forever. Every outcome is audited. Thread-safe.
 */
@Singleton
public final class Renewal {

    private final Registry registry;
    private final CaClient ca;
    private final AuditLog audit;
    private final Clock clock;

    Renewal(Registry registry, CaClient ca, AuditLog audit, Clock clock) {
        this.registry = registry;
        this.ca = ca;
        this.audit = audit;
        this.clock = clock;
    }

    /** The renewed SVID and the current bundle, as attestation gives them. */
    public Attestation.Result renew(SpiffeId caller, X509Certificate presented, byte[] csr) {
        Attestation.checkCsrSize(csr);
        if (Arrays.equals(keyOf(csr), presented.getPublicKey().getEncoded())) {
            record(caller, AuditEvent.Outcome.DENIED, "CSR reuses the key of the presented SVID");
            throw new MeshidException.InvalidArgument("csr: its key is the key of the SVID you present (expected: a new key "
                    + "pair for every renewal)");
        }
        RegistrationEntry entry = registry.entryFor(caller).orElseThrow(() -> {
            record(caller, AuditEvent.Outcome.DENIED, "no registration entry holds this SPIFFE ID");
            return new MeshidException.PermissionDenied("no registration entry holds " + caller
                    + " any more (expected: an entry for it; attest again once one exists)");
        });
        try {
            var signed = ca.sign(csr, caller, entry.x509SvidTtl(), entry.dnsNames(), entry.id());
            var bundle = ca.bundle(caller);
            record(caller, AuditEvent.Outcome.SUCCESS, "serial " + signed.getSvid().getSerialNumber() + " replaces "
                    + presented.getSerialNumber().toString(16));
            return new Attestation.Result(entry, signed, bundle);
        } catch (MeshidException e) {
            record(caller, AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
    }

    private static byte[] keyOf(byte[] csr) {
        try {
            return new PKCS10CertificationRequest(csr).getSubjectPublicKeyInfo().getEncoded();
        } catch (IOException | RuntimeException e) {
            throw new MeshidException.InvalidArgument("csr: not a PKCS#10 certificate request (expected: DER)");
        }
    }

    private void record(SpiffeId caller, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(), "identity.renew_x509_svid",
                caller.toString(), outcome, detail, RequestIds.current()));
    }
}
