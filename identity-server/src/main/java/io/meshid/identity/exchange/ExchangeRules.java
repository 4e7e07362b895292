package io.meshid.identity.exchange;

import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
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

/**
 * Who may exchange what, and what the new token says (RFC 8693 semantics), decided over verified
 * tokens; no I/O, no clock of its own. In order:
 *
 * <ol>
 *   <li>Both tokens belong to the caller's trust domain ({@code INVALID_GRANT} otherwise).</li>
 *   <li>The caller may present the subject token: it is the caller's own ({@code sub} is the
 *       caller), was issued to it ({@code aud} holds the caller's SPIFFE ID or one of meshid's
 *       token endpoint audiences), the caller is the actor (the actor token's {@code sub}), or a
 *       rule lets the caller act for the subject. An actor token must itself be the caller's
 *       ({@code sub} or {@code aud}). Otherwise {@code UNAUTHORIZED_CLIENT}.</li>
 *   <li>An actor other than the subject needs the subject token's {@code may_act} naming it
 *       ({@code sub}, and {@code iss} if given), or a rule ({@code UNAUTHORIZED_CLIENT}).</li>
 *   <li>Targets: audiences then resources; neither means the subject token's audience.</li>
 *   <li>Scopes: each requested one must be in the subject token's ({@code INVALID_SCOPE}); none
 *       means all of the subject's. A JWT-SVID has none, so none may be asked for.</li>
 *   <li>Lifetime: the configured TTL, cut to the subject's and the actor's {@code exp}.</li>
 *   <li>{@code act}: the actor, with the subject token's own {@code act} nested inside; without
 *       an actor the subject token's {@code act} stays as it is, so a chain is never lost.</li>
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

    /**
     * @param tokenEndpointAudiences audience values that mean "meshid's token endpoint"
     * @param rules                  the configured delegation and impersonation rules
     * @param ttl                    the lifetime of a new token before clamping
     */
    public ExchangeRules(Set<String> tokenEndpointAudiences, List<DelegationRule> rules, Duration ttl) {
        this.tokenEndpointAudiences = Set.copyOf(tokenEndpointAudiences);
        this.rules = List.copyOf(rules);
        this.ttl = ttl;
    }

    /** Decides the exchange or throws the failure, with its OAuth reason. */
    public ExchangePlan decide(ExchangeRequest request, PresentedToken subject, Optional<PresentedToken> actor, Instant now) {
        SpiffeId caller = request.caller();
        sameTrustDomain("subject_token", subject, caller);
        actor.ifPresent(a -> sameTrustDomain("actor_token", a, caller));
        List<String> targets = request.targets().isEmpty() ? subject.audience() : request.targets();
        String grantedBy = authorize(caller, subject, actor, targets);
        if (targets.isEmpty()) {
            throw OAuthErrors.invalidTarget("audience: none requested and the subject token has none (expected: an audience or "
                    + "a resource)");
        }
        List<String> scopes = scopes(request, subject);
        Instant expiresAt = expiry(subject, actor, now);
        Optional<Map<String, Object>> act = act(subject, actor);
        if (request.requestedType() == TokenTypeUri.JWT) {
            try {
                SpiffeId.parse(subject.subject());
            } catch (InvalidSpiffeIdException e) {
                throw OAuthErrors.unsupportedTokenType("requested_token_type: a JWT-SVID needs a SPIFFE ID as sub, and the subject "
                        + "is '" + TokenTypeUri.shorten(subject.subject()) + "' (expected: " + TokenTypeUri.ACCESS_TOKEN.uri() + ")");
            }
        }
        return new ExchangePlan(caller.trustDomain(), request.requestedType(), subject.subject(), targets,
                request.requestedType() == TokenTypeUri.JWT ? List.of() : scopes, act, caller.toString(),
                now.truncatedTo(ChronoUnit.SECONDS), expiresAt, grantedBy);
    }

    private static void sameTrustDomain(String field, PresentedToken token, SpiffeId caller) {
        if (!token.trustDomain().equals(caller.trustDomain())) {
            throw OAuthErrors.invalidGrant(field + ": belongs to trust domain " + token.trustDomain() + " (expected: "
                    + caller.trustDomain() + ", the caller's)");
        }
    }

    private String authorize(SpiffeId caller, PresentedToken subject, Optional<PresentedToken> actor, List<String> targets) {
        String me = caller.toString();
        if (actor.isPresent() && !actor.get().subject().equals(me) && !actor.get().audience().contains(me)) {
            throw OAuthErrors.unauthorizedClient("actor_token: its subject " + actor.get().subject() + " is not the caller " + me
                    + " and it was not issued to the caller (expected: the caller's own token as actor)");
        }
        String grantedBy;
        if (subject.subject().equals(me)) {
            grantedBy = "own token";
        } else if (subject.audience().contains(me)) {
            grantedBy = "subject token issued to the caller";
        } else if (subject.audience().stream().anyMatch(tokenEndpointAudiences::contains)) {
            grantedBy = "subject token issued to the token endpoint";
        } else if (actor.isPresent() && actor.get().subject().equals(me)) {
            grantedBy = "caller is the actor";
        } else {
            grantedBy = rule(me, subject, targets).orElseThrow(() -> OAuthErrors.unauthorizedClient("subject_token: issued to "
                    + subject.audience() + ", not to the caller " + me + ", and no exchange rule lets it act for "
                    + subject.subject() + " (expected: a token whose aud holds the caller's SPIFFE ID)"));
        }
        if (actor.isEmpty() || actor.get().subject().equals(subject.subject())) {
            return grantedBy;
        }
        String acting = actor.get().subject();
        if (mayAct(subject, actor.get())) {
            return grantedBy + "; may_act names " + acting;
        }
        return grantedBy + "; " + rule(acting, subject, targets).orElseThrow(() -> OAuthErrors.unauthorizedClient("actor_token: "
                + acting + " may not act for " + subject.subject() + " (expected: the subject token's may_act naming the actor, "
                + "or an exchange rule)"));
    }

    private Optional<String> rule(String acting, PresentedToken subject, List<String> targets) {
        return rules.stream().filter(r -> r.allows(acting, subject.subject(), targets)).findFirst().map(r -> "rule " + r.name());
    }

    private static boolean mayAct(PresentedToken subject, PresentedToken actor) {
        if (subject.mayAct().isEmpty()) {
            return false;
        }
        Map<String, Object> may = subject.mayAct().get();
        if (!actor.subject().equals(may.get("sub"))) {
            return false;
        }
        Object iss = may.get("iss");
        return iss == null || iss.equals(actor.issuer());
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

    private static Optional<Map<String, Object>> act(PresentedToken subject, Optional<PresentedToken> actor) {
        if (actor.isEmpty() || actor.get().subject().equals(subject.subject())) {
            subject.act().ifPresent(a -> depth(a, 1));
            return subject.act();
        }
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", actor.get().subject());
        if (actor.get().origin() == PresentedToken.Origin.EXTERNAL) {
            act.put("iss", actor.get().issuer());
        }
        subject.act().ifPresent(prior -> act.put("act", prior));
        depth(act, 1);
        return Optional.of(Map.copyOf(act));
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
