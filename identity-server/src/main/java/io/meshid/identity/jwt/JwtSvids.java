package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * Mints JWT-SVIDs for a workload's own SPIFFE ID: only while a registration entry still holds it,
 * with the entry's JWT-SVID TTL unless a shorter one (at least 1 min) is asked for, for 1 to 16
 * audiences. Every outcome is audited (the token never is, its {@code jti} is). Thread-safe.
 */
@Singleton
public final class JwtSvids {

    /** Most audiences in one token. */
    public static final int MAX_AUDIENCES = 16;
    /** Longest audience. */
    public static final int MAX_AUDIENCE_LENGTH = 256;
    /** Shortest TTL a caller may ask for. */
    public static final Duration MIN_TTL = Duration.ofMinutes(1);

    private final Registry registry;
    private final TokenIssuer issuer;
    private final JwtKeyManager keys;
    private final AuditLog audit;
    private final Clock clock;

    JwtSvids(Registry registry, TokenIssuer issuer, JwtKeyManager keys, AuditLog audit, Clock clock) {
        this.registry = registry;
        this.issuer = issuer;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * What to mint.
     *
     * @param caller the verified SPIFFE ID of the caller's X.509-SVID
     * @param ttl empty: the entry's JWT-SVID TTL
     */
    public record MintParams(SpiffeId caller, List<String> audiences, Optional<Duration> ttl) {

        /** Copies the list. */
        public MintParams {
            audiences = List.copyOf(audiences);
        }
    }

    /** Mints a JWT-SVID for {@code p.caller()}. */
    public TokenIssuer.IssuedToken mint(MintParams p) {
        try {
            checkAudiences(p.audiences());
        } catch (MeshidException.InvalidArgument e) {
            record(p.caller(), AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
        RegistrationEntry entry = registry.entryFor(p.caller()).orElseThrow(() -> {
            record(p.caller(), AuditEvent.Outcome.DENIED, "no registration entry holds this SPIFFE ID");
            return new MeshidException.PermissionDenied("no registration entry holds " + p.caller()
                    + " any more (expected: an entry for it)");
        });
        Duration max = min(entry.jwtSvidTtl(), keys.policy().maxTokenTtl());
        Duration ttl = p.ttl().orElse(max);
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(max) > 0) {
            String message = "ttl: " + ttl + " (expected: between " + MIN_TTL + " and " + max + ", the JWT-SVID TTL of entry "
                    + entry.id() + ")";
            record(p.caller(), AuditEvent.Outcome.FAILED, message);
            throw new MeshidException.InvalidArgument(message);
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(p.caller().toString()).audience(p.audiences()).build();
        TokenIssuer.IssuedToken token = issuer.issue(new TokenIssuer.TokenParams(p.caller().trustDomain(), JOSEObjectType.JWT,
                claims, ttl));
        record(p.caller(), AuditEvent.Outcome.SUCCESS, "jti " + token.jti() + ", kid " + token.keyId() + ", aud " + p.audiences()
                + ", exp " + token.expiresAt() + ", entry " + entry.id());
        return token;
    }

    private static void checkAudiences(List<String> audiences) {
        if (audiences.isEmpty() || audiences.size() > MAX_AUDIENCES) {
            throw new MeshidException.InvalidArgument("audience: " + audiences.size() + " values (expected: 1 to " + MAX_AUDIENCES
                    + ")");
        }
        var seen = new HashSet<String>();
        for (int i = 0; i < audiences.size(); i++) {
            String a = audiences.get(i);
            if (a.isEmpty() || a.length() > MAX_AUDIENCE_LENGTH) {
                throw new MeshidException.InvalidArgument("audience[" + i + "]: " + a.length() + " characters (expected: 1 to "
                        + MAX_AUDIENCE_LENGTH + ")");
            }
            if (a.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new MeshidException.InvalidArgument("audience[" + i + "]: contains whitespace or a control character "
                        + "(expected: a name or URI such as spiffe://example.org/ns/payments/sa/api)");
            }
            if (!seen.add(a)) {
                throw new MeshidException.InvalidArgument("audience[" + i + "]: " + a + " is repeated (expected: distinct values)");
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Never waits (minting may run on the event loop); a refusal the caller caused may be dropped, an issuance never. */
    private void record(SpiffeId caller, AuditEvent.Outcome outcome, String detail) {
        AuditEvent event = AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(), "identity.mint_jwt_svid",
                caller.toString(), outcome, detail, RequestIds.current());
        if (outcome == AuditEvent.Outcome.SUCCESS) {
            audit.recordSoon(event);
        } else {
            audit.recordIfRoom(event);
        }
    }
}
