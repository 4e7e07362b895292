package io.meshid.identity.exchange;

import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Who may exchange what, and what the new token says (RFC 8693 semantics), decided over verified
 * tokens; no I/O, no clock of its own. The acting party is always the caller, whom mutual TLS
 * authenticated: an exchange never lets a recipient of a token become its sender. In order:
 *
 * <ol>
 *   <li>Both tokens belong to the caller's trust domain ({@code INVALID_GRANT} otherwise).</li>
 *   <li>An actor token counts only when its {@code sub} is the caller; a token merely issued to
 *       the caller does not make it the actor ({@code UNAUTHORIZED_CLIENT}).</li>
 *   <li>The caller's own subject token ({@code sub} = the caller) is re-issued for the targets:
 *       same {@code sub}, its {@code act} chain kept as it is.</li>
 *   <li>Someone else's subject token becomes <em>delegation</em>: the new token keeps the
 *       subject's {@code sub} and names the caller in {@code act} (the subject token's own
 *       {@code act} nested inside). The caller may act for the subject when the subject token
 *       was issued to it ({@code aud} holds the caller's SPIFFE ID or one of meshid's token
 *       endpoint audiences), its {@code may_act} names the caller, or a configured rule lets the
 *       caller act for that subject toward the targets. Otherwise {@code UNAUTHORIZED_CLIENT}.</li>
 *   <li><em>Impersonation</em> (someone else's {@code sub} and no {@code act} naming the caller)
 *       only through a rule marked {@code impersonate}, and only without an actor token (which
 *       asks for delegation).</li>
 *   <li>A JWT-SVID-shaped token ({@code typ} JWT, {@code sub} a workload) is issued only for the
 *       caller's own identity without an {@code act}, or through impersonation: a JWT-SVID
 *       verifier ignores {@code act}, so anything else would let the caller pass as the subject
 *       ({@code UNAUTHORIZED_CLIENT}).</li>
 *   <li>Targets: audiences then resources; neither means the subject token's audience.</li>
 *   <li>Scopes: each requested one must be in the subject token's ({@code INVALID_SCOPE}); none
 *       means all of the subject's. A JWT-SVID has none, so none may be asked for.</li>
 *   <li>Lifetime: the configured TTL, cut to the subject's and the actor's {@code exp}.</li>
 * </ol>
 *
 * Immutable and thread-safe.
 */
public final class ExchangeRules {

    /** Deepest {@code act} chain issued; a longer one is refused rather than cut. */
    static final int MAX_ACT_DEPTH = 8;

    private final Set<String> tokenEndpointAudiences;
    private final List<DelegationRule> rules;
    private final Duration ttl;
    private final Function<TrustDomain, String> issuers;

    /**
     * @param tokenEndpointAudiences audience values that mean "meshid's token endpoint"
     * @param rules                  the configured delegation and impersonation rules
     * @param ttl                    the lifetime of a new token before clamping
     * @param issuers                meshid's {@code iss} for a trust domain's tokens: the issuer
     *                               that vouches for a caller authenticated by its X.509-SVID, which
     *                               a subject token's {@code may_act.iss} must name
     */
    public ExchangeRules(Set<String> tokenEndpointAudiences, List<DelegationRule> rules, Duration ttl,
            Function<TrustDomain, String> issuers) {
        this.tokenEndpointAudiences = Set.copyOf(tokenEndpointAudiences);
        this.rules = List.copyOf(rules);
        this.ttl = ttl;
        this.issuers = issuers;
    }

    /** Decides the exchange or throws the failure, with its OAuth reason. */
    public ExchangePlan decide(ExchangeRequest request, PresentedToken subject, Optional<PresentedToken> actor, Instant now) {
        SpiffeId caller = request.caller();
        sameTrustDomain("subject_token", subject, caller);
        actor.ifPresent(a -> sameTrustDomain("actor_token", a, caller));
        List<String> targets = request.targets().isEmpty() ? subject.audience() : request.targets();
        Grant grant = authorize(caller, subject, actor, targets);
        if (targets.isEmpty()) {
            throw OAuthErrors.invalidTarget("audience: none requested and the subject token has none (expected: an audience or "
                    + "a resource)");
        }
        List<String> scopes = scopes(request, subject);
        Instant expiresAt = expiry(subject, actor, now);
        Optional<Map<String, Object>> act = grant.kind() == ExchangePlan.Kind.DELEGATION
                ? Optional.of(delegation(caller, subject, actor)) : kept(subject);
        if (request.requestedType() == TokenTypeUri.JWT) {
            jwtSvidShaped(caller, subject, grant, act);
        }
        return new ExchangePlan(caller.trustDomain(), request.requestedType(), grant.kind(), subject.subject(), targets,
                request.requestedType() == TokenTypeUri.JWT ? List.of() : scopes, act, caller.toString(),
                now.truncatedTo(ChronoUnit.SECONDS), expiresAt, grant.by());
    }

    /** How the caller came to hold the right to exchange, and what that makes the new token. */
    private record Grant(ExchangePlan.Kind kind, String by) {
    }

    private static void sameTrustDomain(String field, PresentedToken token, SpiffeId caller) {
        if (!token.trustDomain().equals(caller.trustDomain())) {
            throw OAuthErrors.invalidGrant(field + ": belongs to trust domain " + token.trustDomain() + " (expected: "
                    + caller.trustDomain() + ", the caller's)");
        }
    }

    private Grant authorize(SpiffeId caller, PresentedToken subject, Optional<PresentedToken> actor, List<String> targets) {
        String me = caller.toString();
        if (actor.isPresent() && !actor.get().subject().equals(me)) {
            throw OAuthErrors.unauthorizedClient("actor_token: its subject " + actor.get().subject() + " is not the caller " + me
                    + " (expected: the caller's own token as actor; a token issued to the caller does not make it the actor)");
        }
        if (subject.subject().equals(me)) {
            return new Grant(ExchangePlan.Kind.OWN, "own token");
        }
        if (actor.isEmpty()) {
            Optional<DelegationRule> impersonation = rules.stream()
                    .filter(r -> r.impersonate() && r.allows(me, subject.subject(), targets)).findFirst();
            if (impersonation.isPresent()) {
                return new Grant(ExchangePlan.Kind.IMPERSONATION, "impersonation of " + subject.subject() + " by rule "
                        + impersonation.get().name());
            }
        }
        String by;
        if (subject.audience().contains(me)) {
            by = "subject token issued to the caller";
        } else if (subject.audience().stream().anyMatch(tokenEndpointAudiences::contains)) {
            by = "subject token issued to the token endpoint";
        } else if (mayAct(subject, actor.map(PresentedToken::issuer).orElseGet(() -> issuers.apply(caller.trustDomain())), me)) {
            by = "may_act names the caller";
        } else {
            by = rules.stream().filter(r -> r.allows(me, subject.subject(), targets)).findFirst().map(r -> "rule " + r.name())
                    .orElseThrow(() -> OAuthErrors.unauthorizedClient("subject_token: issued to " + subject.audience()
                            + ", not to the caller " + me + "; the caller may not act for " + subject.subject()
                            + " (expected: a token whose aud holds the caller's SPIFFE ID, whose may_act names the caller, "
                            + "or an exchange rule)"));
        }
        return new Grant(ExchangePlan.Kind.DELEGATION, "delegation: " + me + " acts for " + subject.subject() + ", " + by);
    }

    private static void jwtSvidShaped(SpiffeId caller, PresentedToken subject, Grant grant, Optional<Map<String, Object>> act) {
        try {
            SpiffeId.parse(subject.subject());
        } catch (InvalidSpiffeIdException e) {
            throw OAuthErrors.unsupportedTokenType("requested_token_type: a JWT-SVID needs a SPIFFE ID as sub, and the subject "
                    + "is '" + TokenTypeUri.shorten(subject.subject()) + "' (expected: " + TokenTypeUri.ACCESS_TOKEN.uri() + ")");
        }
        if (grant.kind() == ExchangePlan.Kind.IMPERSONATION) {
            return;
        }
        if (grant.kind() == ExchangePlan.Kind.DELEGATION || act.isPresent()) {
            throw OAuthErrors.unauthorizedClient("requested_token_type: a JWT-SVID with sub " + subject.subject()
                    + " would let the caller " + caller + " pass as that workload, since JWT-SVID verifiers ignore act "
                    + "(expected: " + TokenTypeUri.ACCESS_TOKEN.uri() + ", which names the caller in act, or an impersonation rule)");
        }
    }

    private static boolean mayAct(PresentedToken subject, String actorIssuer, String me) {
        if (subject.mayAct().isEmpty()) {
            return false;
        }
        Map<String, Object> may = subject.mayAct().get();
        if (!me.equals(may.get("sub"))) {
            return false;
        }
        Object iss = may.get("iss");
        return iss == null || iss.equals(actorIssuer);
    }

    private static List<String> scopes(ExchangeRequest request, PresentedToken subject) {
        if (request.scopes().isEmpty()) {
            return subject.scopes();
        }
        Set<String> held = new HashSet<>(subject.scopes());
        List<String> granted = new ArrayList<>();
        for (String s : request.scopes()) {
            if (!held.contains(s)) {
                throw OAuthErrors.invalidScope("scope: '" + s + "' is not among the subject token's scopes " + subject.scopes()
                        + (subject.origin() == PresentedToken.Origin.JWT_SVID ? " (a JWT-SVID carries none: leave scope empty)"
                                : " (expected: a subset of them)"));
            }
            if (!granted.contains(s)) {
                granted.add(s);
            }
        }
        return granted;
    }

    private Instant expiry(PresentedToken subject, Optional<PresentedToken> actor, Instant now) {
        Instant exp = now.plus(ttl);
        if (subject.expiresAt().isBefore(exp)) {
            exp = subject.expiresAt();
        }
        if (actor.isPresent() && actor.get().expiresAt().isBefore(exp)) {
            exp = actor.get().expiresAt();
        }
        exp = exp.truncatedTo(ChronoUnit.SECONDS);
        if (!exp.isAfter(now)) {
            throw OAuthErrors.invalidGrant("subject_token or actor_token: expires at " + exp + ", no later than now " + now
                    + " (expected: a token with lifetime left)");
        }
        return exp;
    }

    private static Optional<Map<String, Object>> kept(PresentedToken subject) {
        subject.act().ifPresent(a -> depth(a, 1));
        return subject.act();
    }

    private static Map<String, Object> delegation(SpiffeId caller, PresentedToken subject, Optional<PresentedToken> actor) {
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", caller.toString());
        if (actor.isPresent() && actor.get().origin() == PresentedToken.Origin.EXTERNAL) {
            act.put("iss", actor.get().issuer());
        }
        subject.act().ifPresent(prior -> act.put("act", prior));
        depth(act, 1);
        return Map.copyOf(act);
    }

    private static void depth(Map<?, ?> act, int level) {
        if (level > MAX_ACT_DEPTH) {
            throw OAuthErrors.invalidGrant("subject_token: its act chain is deeper than " + MAX_ACT_DEPTH
                    + " actors (expected: a shorter delegation chain)");
        }
        if (act.get("act") instanceof Map<?, ?> inner) {
            depth(inner, level + 1);
        }
    }
}
