package io.meshid.identity.tokens;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.identity.jwt.JwtKeyPolicy;
import io.meshid.common.authz.Admins;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Revokes meshid tokens before they expire (RevokeToken). By token: the token must verify
 * against a key meshid knows (expired is fine: revoking it succeeds and changes nothing, RFC
 * 7009), and the caller must be its {@code sub}, its {@code act.sub}, or an admin of its trust
 * domain. By {@code jti}: only an admin of the trust domain. The revocation is kept as long as
 * the token could still pass validation ({@code exp} plus the clock skew; by jti, the longest
 * token lifetime plus the skew), in the shared store, so every replica sees it at its next
 * check. Every outcome is audited. Thread-safe.
 */
@Singleton
public final class TokenRevocation {

    /** Longest reason accepted. */
    public static final int MAX_REASON = 512;

    private final TokenVerifier verifier;
    private final Revocations revocations;
    private final Admins admins;
    private final Registry registry;
    private final JwtKeyManager keys;
    private final AuditLog audit;
    private final Clock clock;

    TokenRevocation(TokenVerifier verifier, Revocations revocations, Admins admins, Registry registry, JwtKeyManager keys,
            AuditLog audit, Clock clock) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.admins = admins;
        this.registry = registry;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Revokes {@code token}.
     *
     * @return until when the revocation is kept: the token's {@code exp}
     */
    public Instant revokeToken(SpiffeId caller, String token, String reason) {
        TokenValidation.checkToken(token);
        checkReason(reason);
        TokenCheck check = verifier.verify(token, TokenVerifier.Expectations.forRevocation());
        if (check instanceof TokenCheck.Invalid invalid) {
            record(caller.trustDomain(), caller, "-", AuditEvent.Outcome.FAILED, "token refused: " + invalid.reason() + ": "
                    + invalid.detail());
            throw new MeshidException.InvalidArgument("token: not a JWT signed by a key meshid knows (" + invalid.reason() + ": "
                    + invalid.detail() + ")");
        }
        VerifiedToken t = ((TokenCheck.Valid) check).token();
        String by = caller.toString();
        boolean own = t.subject().equals(by) || t.actorSubject().filter(by::equals).isPresent();
        if (!own && !admins.isAdmin(caller, t.trustDomain())) {
            record(t.trustDomain(), caller, t.jti(), AuditEvent.Outcome.DENIED, "not the token's subject or actor, nor an admin "
                    + "of " + t.trustDomain());
            throw new MeshidException.PermissionDenied("caller " + caller + " may not revoke this token (expected: its subject "
                    + t.subject() + ", its actor, or an admin of " + t.trustDomain() + ")");
        }
        Duration keep = Duration.between(clock.instant(), t.expiresAt().plus(JwtKeyPolicy.CLOCK_SKEW));
        if (keep.compareTo(Duration.ofMillis(1)) < 0) {
            record(t.trustDomain(), caller, t.jti(), AuditEvent.Outcome.SUCCESS, "already expired at " + t.expiresAt()
                    + "; nothing to keep" + because(reason));
            return t.expiresAt();
        }
        revocations.revoke(t.trustDomain(), t.jti(), keep);
        record(t.trustDomain(), caller, t.jti(), AuditEvent.Outcome.SUCCESS, "revoked " + t.type() + " of " + t.subject()
                + " until " + t.expiresAt() + because(reason));
        return t.expiresAt();
    }

    /**
     * Revokes the token {@code jti} of {@code domain}.
     *
     * @return until when the revocation is kept: now plus the longest token lifetime
     */
    public Instant revokeJti(SpiffeId caller, TrustDomain domain, String jti, String reason) {
        checkReason(reason);
        if (jti.isEmpty() || jti.length() > Revocations.MAX_JTI || jti.chars().anyMatch(Character::isISOControl)) {
            throw new MeshidException.InvalidArgument("jti: " + jti.length() + " characters (expected: 1 to "
                    + Revocations.MAX_JTI + ", no control characters)");
        }
        if (!admins.isAdmin(caller, domain)) {
            record(caller.trustDomain(), caller, jti, AuditEvent.Outcome.DENIED, "revoke by jti in " + domain + ": not an admin");
            throw new MeshidException.PermissionDenied("caller " + caller + " may not revoke tokens of " + domain + " by jti "
                    + "(expected: an admin identity of " + domain + ")");
        }
        if (!registry.trustDomainExists(domain)) {
            throw new MeshidException.NotFound("trust_domain: " + domain + " is not registered here");
        }
        Duration longest = keys.policy().maxTokenTtl();
        Instant until = clock.instant().plus(longest);
        revocations.revoke(domain, jti, longest.plus(JwtKeyPolicy.CLOCK_SKEW));
        record(domain, caller, jti, AuditEvent.Outcome.SUCCESS, "revoked by jti until " + until + because(reason));
        return until;
    }

    private static void checkReason(String reason) {
        if (reason.length() > MAX_REASON) {
            throw new MeshidException.InvalidArgument("reason: " + reason.length() + " characters (expected: at most "
                    + MAX_REASON + ")");
        }
    }

    private static String because(String reason) {
        return reason.isEmpty() ? "" : "; reason: " + reason;
    }

    private void record(TrustDomain domain, SpiffeId caller, String jti, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), domain.name(), caller.toString(), "identity.revoke_token", jti, outcome, detail,
                RequestIds.current()));
    }
}
