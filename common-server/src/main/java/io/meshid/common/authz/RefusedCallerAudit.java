package io.meshid.common.authz;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.CallRefusalListener;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;

/**
 * Audits the calls that {@code CallerIdentityInterceptor} refuses before the authorization table
 * is reached (no, an expired, a rotated-out or a revoked client SVID), as {@value
 * AuthorizationInterceptor#ACTION} like every other denial: the SPIFFE ID the certificate names
 * (marked as claimed, since it is what was refused) in its trust domain, or {@code anonymous} in the
 * server's own. Never waits: {@link AuditLog#recordIfRoom}, since a caller can produce refusals at
 * will. Thread-safe.
 */
@Singleton
@Requires(beans = AuthorizationTable.class)
final class RefusedCallerAudit implements CallRefusalListener {

    private final AuditLog audit;
    private final Admins admins;
    private final Clock clock;

    RefusedCallerAudit(AuditLog audit, Admins admins, Clock clock) {
        this.audit = audit;
        this.admins = admins;
        this.clock = clock;
    }

    @Override
    public void refused(String method, Optional<SpiffeId> claimed, String reason) {
        String domain = claimed.map(c -> c.trustDomain().name()).orElse(admins.systemTrustDomain().name());
        String actor = claimed.map(SpiffeId::toString).orElse("anonymous");
        audit.recordIfRoom(AuditEvent.of(clock.instant(), domain, actor, AuthorizationInterceptor.ACTION, method,
                AuditEvent.Outcome.DENIED, "UNAUTHENTICATED: " + reason + (claimed.isPresent() ? " (caller as claimed by its "
                        + "certificate)" : ""), RequestIds.current()));
    }
}
