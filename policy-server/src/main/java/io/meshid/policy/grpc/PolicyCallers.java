package io.meshid.policy.grpc;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.CallerIdentity;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Who may do what on policy-server's admin side: reading and changing a trust domain's policies
 * takes an admin of that trust domain ({@code meshid.admin-paths} in it, as on the CA); watching
 * its version takes any SVID of that trust domain. An admin of one trust domain is nobody in
 * another. Refusals of admin calls are written to the audit trail. Deny by default. Thread-safe.
 */
@Singleton
final class PolicyCallers {

    private final MeshidConfig meshid;
    private final AuditLog audit;
    private final Clock clock;

    PolicyCallers(MeshidConfig meshid, AuditLog audit, Clock clock) {
        this.meshid = meshid;
        this.audit = audit;
        this.clock = clock;
    }

    /** The trust domain named by a request field, or INVALID_ARGUMENT naming the field. */
    static TrustDomain trustDomain(String value) {
        try {
            return TrustDomain.of(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument("trust_domain: " + e.getMessage());
        }
    }

    SpiffeId authenticated() {
        return CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with an SVID)"));
    }

    /** The caller, who must be an admin of {@code domain}; {@code action} completes "may not ...". */
    SpiffeId adminOf(TrustDomain domain, String action) {
        SpiffeId caller = authenticated();
        if (!meshid.isAdmin(caller, domain)) {
            audit.record(AuditEvent.of(clock.instant(), domain.name(), caller.toString(), "policy.admin_call", action,
                    AuditEvent.Outcome.DENIED, "not an admin of " + domain, RequestIds.current()));
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action + " in " + domain
                    + " (expected: an admin identity of " + domain + ", one of the paths " + meshid.getAdminPaths() + ")");
        }
        return caller;
    }

    /** The caller, who must hold an SVID of {@code domain}. */
    SpiffeId memberOf(TrustDomain domain, String action) {
        SpiffeId caller = authenticated();
        if (!caller.memberOf(domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action + " of " + domain
                    + " (expected: an SVID of " + domain + ")");
        }
        return caller;
    }
}
