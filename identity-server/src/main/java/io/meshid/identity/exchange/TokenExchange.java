package io.meshid.identity.exchange;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.jwt.Issuers;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.tokens.TokenType;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * OAuth 2.0 Token Exchange (RFC 8693) for meshid, behind both the gRPC {@code ExchangeToken} and
 * the REST bridge: checks the request, verifies the subject and actor tokens
 * ({@link SubjectTokens}), applies the {@link ExchangeRules}, and has the token core sign the new
 * token with the caller's trust domain's active key, an RFC 9068 {@code at+jwt} by default.
 * Nothing is issued unless every check passed. Every outcome is audited with the caller, the
 * subject, the actor, the audience and the token ids, never a token. Thread-safe.
 */
@Singleton
public final class TokenExchange {

    /** What an exchange issued (RFC 8693 section 2.2.1). */
    public record Result(String token, TokenTypeUri type, String jti, Instant issuedAt, Instant expiresAt, List<String> scopes) {

        @Override
        public String toString() {
            return "Result[type=" + type + ", jti=" + jti + ", exp=" + expiresAt + ", scopes=" + scopes + ", token=****]";
        }
    }

    private static final String ACTION = "identity.exchange_token";
    /** The audit action of an exchange that issued a token of someone else without naming the caller. */
    private static final String IMPERSONATION = "identity.impersonate";

    private final SubjectTokens tokens;
    private final ExchangeRules rules;
    private final TokenIssuer issuer;
    private final AuditLog audit;
    private final Clock clock;

    TokenExchange(SubjectTokens tokens, TokenIssuer issuer, AuditLog audit, Clock clock, ExchangeConfig config,
            List<ExchangeRuleConfig> ruleConfigs, MeshidConfig meshid, Issuers issuers) {
        this.tokens = tokens;
        this.issuer = issuer;
        this.audit = audit;
        this.clock = clock;
        Set<String> endpoint = new HashSet<>(config.getTokenEndpointAudiences());
        endpoint.add(SpiffeId.of(meshid.getTrustDomain(), "/meshid/identity-server").toString());
        this.rules = new ExchangeRules(endpoint, ruleConfigs.stream().map(ExchangeRuleConfig::rule).toList(), config.getTtl(),
                issuers::issuer);
    }

    /**
     * Exchanges, or throws the failure with its OAuth reason ({@link OAuthErrors}); either way
     * the outcome is in the audit trail.
     */
    public Result exchange(ExchangeInput in) {
        Trail trail = new Trail(in.caller());
        try {
            ExchangeRequest request = ExchangeRequest.of(in.caller(), in.subjectToken(), in.subjectTokenType(), in.actorToken(),
                    in.actorTokenType(), in.audiences(), in.resources(), in.scopes(), in.requestedTokenType());
            PresentedToken subject = tokens.verify("subject_token", request.subjectToken(), request.subjectType(), in.caller());
            trail.subject = subject;
            Optional<PresentedToken> actor = request.actorToken()
                    .map(t -> tokens.verify("actor_token", t, request.actorType().orElseThrow(), in.caller()));
            trail.actor = actor.orElse(null);
            Instant now = clock.instant();
            ExchangePlan plan = rules.decide(request, subject, actor, now);
            trail.audience = plan.audience();
            Result result = issue(plan, now, in);
            trail.impersonation = plan.kind() == ExchangePlan.Kind.IMPERSONATION;
            trail.record(AuditEvent.Outcome.SUCCESS, "issued " + plan.type().uri() + " jti " + result.jti() + " until "
                    + result.expiresAt() + ", scope " + result.scopes() + "; " + plan.grantedBy());
            return result;
        } catch (MeshidException e) {
            trail.record(e instanceof MeshidException.Unavailable ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.DENIED,
                    "refused (" + e.reason().orElse(e.kind().name()) + "): " + e.getMessage());
            throw e;
        }
    }

    private Result issue(ExchangePlan plan, Instant now, ExchangeInput in) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(plan.subject()).audience(plan.audience());
        plan.act().ifPresent(act -> claims.claim("act", act));
        JOSEObjectType typ = JOSEObjectType.JWT;
        if (plan.type() == TokenTypeUri.ACCESS_TOKEN) {
            typ = TokenType.AT_JWT;
            claims.claim("client_id", in.clientId().orElse(plan.clientId()));
            in.x5tS256().ifPresent(t -> claims.claim("cnf", java.util.Map.of("x5t#S256", t)));
            if (!plan.scopes().isEmpty()) {
                claims.claim("scope", String.join(" ", plan.scopes()));
            }
        }
        Duration ttl = Duration.between(now, plan.expiresAt());
        TokenIssuer.IssuedToken issued = issuer.issue(new TokenIssuer.TokenParams(plan.trustDomain(), typ, claims.build(), ttl));
        return new Result(issued.token(), plan.type(), issued.jti(), issued.issuedAt(), issued.expiresAt(), plan.scopes());
    }

    /** What is known of an exchange so far, for its audit event. */
    private final class Trail {
        private final SpiffeId caller;
        private PresentedToken subject;
        private PresentedToken actor;
        private List<String> audience = List.of();
        private boolean impersonation;

        Trail(SpiffeId caller) {
            this.caller = caller;
        }

        void record(AuditEvent.Outcome outcome, String what) {
            List<String> parts = new ArrayList<>();
            parts.add(what);
            if (subject != null) {
                parts.add("subject " + subject.subject() + " (iss " + subject.issuer() + ", jti " + subject.jti() + ")");
            }
            if (actor != null) {
                parts.add("actor " + actor.subject() + " (iss " + actor.issuer() + ", jti " + actor.jti() + ")");
            }
            if (!audience.isEmpty()) {
                parts.add("audience " + audience);
            }
            AuditEvent event = AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(),
                    impersonation ? IMPERSONATION : ACTION,
                    subject == null ? "-" : subject.subject(), outcome, String.join("; ", parts), RequestIds.current());
            // Never waits (exchanges may run on the event loop); a refusal may be dropped, an issuance never.
            if (outcome == AuditEvent.Outcome.SUCCESS) {
                audit.recordSoon(event);
            } else {
                audit.recordIfRoom(event);
            }
        }
    }
}
