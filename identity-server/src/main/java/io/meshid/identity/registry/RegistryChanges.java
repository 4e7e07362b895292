package io.meshid.identity.registry;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin changes of the registry, each written to the audit trail as registry.proto promises:
 * a change that succeeded is in the trail before the reply ({@link AuditLog#record}), a refused
 * or failed one is recorded too, with the reason. A join token's secret never reaches the trail
 * (the entry id and expiry do). Thread-safe.
 */
@Singleton
public final class RegistryChanges {

    /** Audit actions. */
    static final String CREATE_ENTRY = "identity.entry.create";
    static final String DELETE_ENTRY = "identity.entry.delete";
    static final String CREATE_JOIN_TOKEN = "identity.join_token.create";

    private final Registry registry;
    private final AuditLog audit;
    private final Clock clock;

    RegistryChanges(Registry registry, AuditLog audit, Clock clock) {
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
    }

    /** {@link Registry#createEntry}, audited under {@code p.createdBy()}. */
    public RegistrationEntry createEntry(EntryParams p) {
        TrustDomain domain = p.spiffeId().trustDomain();
        RegistrationEntry entry = audited(domain, p.createdBy(), CREATE_ENTRY, p.spiffeId().toString(), () -> registry.createEntry(p));
        record(domain, p.createdBy(), CREATE_ENTRY, entry.spiffeId().toString(), AuditEvent.Outcome.SUCCESS, "entry " + entry.id()
                + ", selectors " + entry.selectors() + (entry.admin() ? ", admin" : ""));
        return entry;
    }

    /** {@link Registry#deleteEntry}, audited under {@code admin}; false when no such entry is in {@code domain}. */
    public boolean deleteEntry(TrustDomain domain, String id, SpiffeId admin) {
        boolean deleted = audited(domain, admin.toString(), DELETE_ENTRY, id, () -> registry.deleteEntry(domain, id));
        record(domain, admin.toString(), DELETE_ENTRY, id, deleted ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.FAILED,
                deleted ? "deleted" : "no such entry in " + domain);
        return deleted;
    }

    /** {@link Registry#createJoinToken}, audited under {@code admin} (the entry id, never the token). */
    public JoinToken createJoinToken(TrustDomain domain, String entryId, Optional<Duration> ttl, SpiffeId admin) {
        JoinToken token = audited(domain, admin.toString(), CREATE_JOIN_TOKEN, entryId,
                () -> registry.createJoinToken(domain, entryId, ttl));
        record(domain, admin.toString(), CREATE_JOIN_TOKEN, token.entryId(), AuditEvent.Outcome.SUCCESS,
                "expires " + token.expiresAt());
        return token;
    }

    private <T> T audited(TrustDomain domain, String actor, String action, String target, Supplier<T> change) {
        try {
            return change.get();
        } catch (MeshidException e) {
            record(domain, actor, action, target, e.kind() == MeshidException.Kind.PERMISSION_DENIED
                    ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
    }

    private void record(TrustDomain domain, String actor, String action, String target, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), domain.name(), actor, action, target, outcome, detail, RequestIds.current()));
    }
}
