package io.meshid.identity.jwt;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Who may read which JWKS: over gRPC, a caller of the trust domain itself (no federation is
 * configured yet, so nobody else); the home trust domain's JWKS is also public over HTTPS, as
 * an issuer's keys are for OAuth resource servers. Thread-safe.
 */
@Singleton
public final class JwksAccess {

    private final JwtKeyManager keys;
    private final Registry registry;
    private final AuditLog audit;
    private final Clock clock;
    private final TrustDomain home;

    JwksAccess(JwtKeyManager keys, Registry registry, AuditLog audit, Clock clock, MeshidConfig meshid) {
        this.keys = keys;
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
        this.home = meshid.getTrustDomain();
    }

    /** The JWKS of {@code domain} for {@code caller}, who must be of that trust domain. */
    public Jwks jwks(SpiffeId caller, TrustDomain domain) {
        if (!caller.memberOf(domain)) {
            audit.record(AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(), "identity.get_jwks",
                    domain.name(), AuditEvent.Outcome.DENIED, "caller of another trust domain; no federation is configured",
                    RequestIds.current()));
            throw new MeshidException.PermissionDenied("caller " + caller + " may not read the JWKS of " + domain
                    + " (expected: a caller of " + domain + " or of a trust domain federated with it; none is)");
        }
        if (!registry.trustDomainExists(domain)) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not registered here");
        }
        return keys.jwks(domain);
    }

    /** The JWKS of the home trust domain, which anyone may read. */
    public Jwks homeJwks() {
        return keys.jwks(home);
    }
}
