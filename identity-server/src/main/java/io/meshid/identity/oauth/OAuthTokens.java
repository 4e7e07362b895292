package io.meshid.identity.oauth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.exchange.ExchangeInput;
import io.meshid.identity.exchange.TokenExchange;
import io.meshid.identity.exchange.TokenTypeUri;
import io.meshid.identity.jwt.TokenIssuer;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenRevocation;
import io.meshid.identity.tokens.TokenType;
import io.meshid.identity.tokens.TokenVerifier;
import io.meshid.identity.tokens.VerifiedToken;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the bridge's endpoints do for an authenticated client, over the same domain services as
 * the gRPC doors: {@code client_credentials} signs an RFC 9068 access token with the token core
 * ({@link TokenIssuer}); token exchange and {@code jwt-bearer} go through {@link TokenExchange}
 * (its rules, audit and limits; the client acts as its {@link OAuthClient#principal()});
 * introspection through {@link TokenVerifier} (signature, times, revocation) for the client's
 * own trust domain only; revocation through {@link TokenRevocation}. The client's registration
 * bounds every grant: grant types, scopes and audiences. Thread-safe.
 */
public final class OAuthTokens {

    private static final String ISSUE = "identity.oauth.token";

    private final TokenIssuer issuer;
    private final TokenExchange exchange;
    private final TokenVerifier verifier;
    private final TokenRevocation revocation;
    private final AuditLog audit;
    private final Clock clock;

    OAuthTokens(TokenIssuer issuer, TokenExchange exchange, TokenVerifier verifier, TokenRevocation revocation, AuditLog audit,
            Clock clock) {
        this.issuer = issuer;
        this.exchange = exchange;
        this.verifier = verifier;
        this.revocation = revocation;
        this.audit = audit;
        this.clock = clock;
    }

    /** Issues what the grant asks for, or throws {@link OAuthError} / the domain's failure. */
    public TokenReply token(AuthenticatedClient who, TokenRequest r) {
        try {
            return grant(who, r);
        } catch (OAuthError e) {
            // Token exchange audits its own refusals; these are the bridge's (grant type, scope, target).
            OAuthClient client = who.client();
            audit.recordIfRoom(AuditEvent.of(clock.instant(), client.trustDomain().name(), client.principal().toString(), ISSUE,
                    client.clientId(), AuditEvent.Outcome.DENIED, r.grantType().uri() + " refused (" + e.code() + "): " + e.getMessage(),
                    RequestIds.current()));
            throw e;
        }
    }

    private TokenReply grant(AuthenticatedClient who, TokenRequest r) {
        OAuthClient client = who.client();
        if (!client.grantTypes().contains(r.grantType())) {
            throw OAuthError.unauthorizedClient("grant_type: " + r.grantType().uri() + " is not allowed for client " + client.clientId()
                    + " (expected: one of " + client.grantTypes().stream().map(GrantType::uri).toList() + ")");
        }
        List<String> scopes = scopes(client, r.scopes());
        List<String> targets = targets(client, r);
        return switch (r.grantType()) {
            case CLIENT_CREDENTIALS -> clientCredentials(who, scopes, targets);
            case TOKEN_EXCHANGE -> exchange(who, r, r.scopes(), targets);
            case JWT_BEARER -> jwtBearer(who, r, targets);
        };
    }

    private TokenReply clientCredentials(AuthenticatedClient who, List<String> scopes, List<String> audience) {
        OAuthClient client = who.client();
        String principal = client.principal().toString();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(principal).audience(audience)
                .claim("client_id", client.clientId());
        if (!scopes.isEmpty()) {
            claims.claim("scope", String.join(" ", scopes));
        }
        who.x5tS256().ifPresent(t -> claims.claim("cnf", Map.of("x5t#S256", t)));
        TokenIssuer.IssuedToken t = issuer.issue(new TokenIssuer.TokenParams(client.trustDomain(), TokenType.AT_JWT, claims.build(),
                client.tokenTtl()));
        audit.recordSoon(AuditEvent.of(clock.instant(), client.trustDomain().name(), principal, ISSUE,
                client.clientId(), AuditEvent.Outcome.SUCCESS, "client_credentials via " + who.method().wireName() + ": jti " + t.jti()
                        + " until " + t.expiresAt() + ", aud " + audience + ", scope " + scopes
                        + (who.x5tS256().isPresent() ? ", certificate-bound" : ""), RequestIds.current()));
        return new TokenReply(t.token(), "Bearer", Duration.between(clock.instant(), t.expiresAt()).toSeconds(), scopes,
                Optional.empty());
    }

    private TokenReply exchange(AuthenticatedClient who, TokenRequest r, List<String> scopes, List<String> targets) {
        String subject = r.subjectToken().orElseThrow(() -> OAuthError.invalidRequest("subject_token: missing"));
        String subjectType = r.subjectTokenType().orElseThrow(() -> OAuthError.invalidRequest("subject_token_type: missing"));
        return exchanged(who, subject, subjectType, r.actorToken().orElse(""), r.actorTokenType().orElse(""), scopes, targets,
                r.requestedTokenType().orElse(""), true);
    }

    private TokenReply jwtBearer(AuthenticatedClient who, TokenRequest r, List<String> targets) {
        String assertion = r.assertion().orElseThrow(() -> OAuthError.invalidRequest("assertion: missing (expected: a meshid JWT, "
                + "RFC 7523 section 2.1)"));
        String type;
        try {
            JOSEObjectType typ = SignedJWT.parse(assertion).getHeader().getType();
            type = typ != null && typ.getType().toLowerCase(java.util.Locale.ROOT).endsWith("at+jwt")
                    ? TokenTypeUri.ACCESS_TOKEN.uri() : TokenTypeUri.JWT.uri();
        } catch (ParseException e) {
            throw OAuthError.invalidGrant("assertion: not a signed JWT (expected: a JWS in compact serialization)");
        }
        return exchanged(who, assertion, type, "", "", r.scopes(), targets, TokenTypeUri.ACCESS_TOKEN.uri(), false);
    }

    private TokenReply exchanged(AuthenticatedClient who, String subject, String subjectType, String actor, String actorType,
            List<String> scopes, List<String> targets, String requested, boolean withIssuedType) {
        OAuthClient client = who.client();
        TokenExchange.Result result = exchange.exchange(new ExchangeInput(client.principal(), subject, subjectType, actor, actorType,
                targets, List.of(), scopes, requested, Optional.of(client.clientId()), who.x5tS256()));
        long expiresIn = Duration.between(clock.instant(), result.expiresAt()).toSeconds();
        boolean access = result.type() == TokenTypeUri.ACCESS_TOKEN;
        return new TokenReply(result.token(), access ? "Bearer" : "N_A", expiresIn, result.scopes(),
                withIssuedType ? Optional.of(result.type().uri()) : Optional.empty());
    }

    /** The requested scopes, each registered for the client; none: all of them. */
    private static List<String> scopes(OAuthClient client, List<String> requested) {
        for (String s : requested) {
            if (!client.scopes().contains(s)) {
                throw OAuthError.invalidScope("scope: '" + OAuthClientParams.shorten(s) + "' is not registered for client "
                        + client.clientId() + " (expected: some of " + client.scopes() + ")");
            }
        }
        return requested.isEmpty() ? client.scopes() : List.copyOf(new LinkedHashSet<>(requested));
    }

    /** The requested audiences and resources, each registered for the client; none: its first audience. */
    private static List<String> targets(OAuthClient client, TokenRequest r) {
        LinkedHashSet<String> all = new LinkedHashSet<>(r.audiences());
        all.addAll(r.resources());
        if (all.size() > 16) {
            throw OAuthError.invalidTarget("audience and resource: " + all.size() + " values (expected: at most 16)");
        }
        for (String t : all) {
            if (!client.audiences().contains(t)) {
                throw OAuthError.invalidTarget("audience or resource: '" + OAuthClientParams.shorten(t) + "' is not registered for "
                        + "client " + client.clientId() + " (expected: one of " + client.audiences() + ")");
            }
        }
        return all.isEmpty() ? List.of(client.audiences().get(0)) : new ArrayList<>(all);
    }

    /**
     * RFC 7662: the token's claims when it is a meshid token of the client's trust domain, unexpired,
     * unrevoked and validly signed; otherwise only {@code active: false}.
     */
    public Map<String, Object> introspect(AuthenticatedClient who, String token) {
        if (token.isEmpty() || token.length() > 8 * 1024) {
            return Map.of("active", false);
        }
        TrustDomain domain = who.client().trustDomain();
        TokenCheck check = verifier.verify(token, new TokenVerifier.Expectations(Set.of(domain), Set.of(), Set.of(TokenType.values()),
                true, true));
        if (!(check instanceof TokenCheck.Valid valid)) {
            return Map.of("active", false);
        }
        VerifiedToken t = valid.token();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("active", true);
        JWTClaimsSet c = t.claims();
        if (c.getClaim("scope") instanceof String scope) {
            out.put("scope", scope);
        }
        if (c.getClaim("client_id") instanceof String clientId) {
            out.put("client_id", clientId);
        }
        if (t.type() == TokenType.ACCESS_TOKEN) {
            out.put("token_type", "Bearer");
        }
        out.put("exp", t.expiresAt().getEpochSecond());
        t.issuedAt().ifPresent(i -> out.put("iat", i.getEpochSecond()));
        out.put("sub", t.subject());
        out.put("aud", t.audiences());
        out.put("iss", c.getIssuer());
        out.put("jti", t.jti());
        for (String name : List.of("cnf", "act")) {
            if (c.getClaim(name) != null) {
                out.put(name, c.getClaim(name));
            }
        }
        return out;
    }

    /**
     * RFC 7009: revokes a token issued to the client (its {@code sub} or {@code act.sub} is the
     * client's principal). An invalid or unknown token is not an error.
     *
     * @throws OAuthError {@code unauthorized_client} for a valid token of someone else
     */
    public void revoke(AuthenticatedClient who, String token) {
        if (token.isEmpty() || token.length() > 8 * 1024) {
            return;
        }
        try {
            revocation.revokeToken(who.client().principal(), token, "RFC 7009 revocation by client " + who.client().clientId());
        } catch (MeshidException.InvalidArgument e) {
            // RFC 7009 section 2.2: an invalid token is answered with 200; TokenRevocation audited it.
        } catch (MeshidException.PermissionDenied e) {
            throw OAuthError.unauthorizedClient("token: not issued to client " + who.client().clientId()
                    + " (expected: a token whose sub or act.sub is the client)");
        }
    }
}
