package io.meshid.identity.trustdomain;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Creates trust domains: cert-authority serves it first (its root and intermediate, through
 * {@code EnsureTrustDomain}), then every {@link TrustDomainProvisioner} (its JWT signing keys),
 * and only then is the trust domain recorded in the registry, so that it never
 * exists here without its CA. A failure before the record leaves nothing a caller can see: the
 * CA's authorities of a trust domain nobody registered sign nothing, and a retry reuses them.
 * Audited. Thread-safe.
 */
@Singleton
public final class TrustDomains {

    private static final int MAX_DESCRIPTION = 1024;

    private final Registry registry;
    private final CaClient ca;
    private final List<TrustDomainProvisioner> provisioners;
    private final AuditLog audit;
    private final Clock clock;

    TrustDomains(Registry registry, CaClient ca, List<TrustDomainProvisioner> provisioners, AuditLog audit, Clock clock) {
        this.registry = registry;
        this.ca = ca;
        this.provisioners = List.copyOf(provisioners);
        this.audit = audit;
        this.clock = clock;
    }

    /** Creates {@code domain} on behalf of {@code admin} (who must be an admin of the system trust domain). */
    public Registry.TrustDomainRecord create(TrustDomain domain, String description, SpiffeId admin) {
        if (description.length() > MAX_DESCRIPTION) {
            throw new MeshidException.InvalidArgument("description: " + description.length() + " characters (expected: at most "
                    + MAX_DESCRIPTION + ")");
        }
        if (registry.trustDomainExists(domain)) {
            record(domain, admin, AuditEvent.Outcome.DENIED, "exists");
            throw new MeshidException.AlreadyExists("trust domain " + domain + ": exists (expected: a new name)");
        }
        try {
            ca.ensureTrustDomain(domain);
            provisioners.forEach(p -> p.provision(domain));
        } catch (MeshidException e) {
            record(domain, admin, AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
        Instant now = clock.instant();
        if (!registry.createTrustDomain(domain, description, admin.toString(), now)) {
            throw new MeshidException.AlreadyExists("trust domain " + domain + ": exists (expected: a new name)");
        }
        record(domain, admin, AuditEvent.Outcome.SUCCESS, "created with its CA");
        return registry.trustDomain(domain).orElseThrow();
    }

    /** In the new trust domain's trail and in the acting admin's, whose admins could not read the other's. */
    private void record(TrustDomain domain, SpiffeId admin, AuditEvent.Outcome outcome, String detail) {
        Instant at = clock.instant();
        for (TrustDomain in : new java.util.LinkedHashSet<>(List.of(domain, admin.trustDomain()))) {
            audit.record(AuditEvent.of(at, in.name(), admin.toString(), "identity.trust_domain.create", domain.name(),
                    outcome, detail, RequestIds.current()));
        }
    }
}
