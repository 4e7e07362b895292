package io.meshid.identity.exchange;

import io.meshid.common.spiffe.SpiffeId;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A token exchange request (RFC 8693 section 2.1) from an authenticated caller, its bounds checked
 * on construction in the order identity.proto gives them, so that a request that exists is well
 * formed. It never prints its tokens. Immutable.
 *
 * @param caller        the caller's SPIFFE ID (from its X.509-SVID)
 * @param subjectToken  the subject token, compact JWS
 * @param subjectType   its type
 * @param actorToken    the actor token, if any
 * @param actorType     its type, present exactly when the actor token is
 * @param audiences     the requested {@code audience} values
 * @param resources     the requested {@code resource} URIs
 * @param scopes        the requested scopes; empty: the subject token's
 * @param requestedType the type of token wanted
 */
public record ExchangeRequest(SpiffeId caller, String subjectToken, TokenTypeUri subjectType, Optional<String> actorToken,
        Optional<TokenTypeUri> actorType, List<String> audiences, List<String> resources, List<String> scopes,
        TokenTypeUri requestedType) {

    static final int MAX_TOKEN_CHARS = 8 * 1024;
    static final int MAX_AUDIENCES = 16;
    static final int MAX_AUDIENCE_CHARS = 256;
    static final int MAX_RESOURCES = 16;
    static final int MAX_RESOURCE_CHARS = 2048;
    static final int MAX_SCOPES = 64;
    static final int MAX_SCOPE_CHARS = 128;
    /** RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    /** Copies the lists. */
    public ExchangeRequest {
        Objects.requireNonNull(caller, "caller");
        audiences = List.copyOf(audiences);
        resources = List.copyOf(resources);
        scopes = List.copyOf(scopes);
    }

    /**
     * Checks the fields as the wire gives them and builds the request.
     *
     * @throws io.meshid.common.errors.MeshidException with reason {@code INVALID_REQUEST},
     *     {@code UNSUPPORTED_TOKEN_TYPE}, {@code INVALID_TARGET} or {@code INVALID_SCOPE}
     */
    public static ExchangeRequest of(SpiffeId caller, String subjectToken, String subjectType, String actorToken, String actorType,
            List<String> audiences, List<String> resources, List<String> scopes, String requestedType) {
        token("subject_token", subjectToken);
        TokenTypeUri subject = TokenTypeUri.of("subject_token_type", subjectType);
        Optional<String> actor = Optional.empty();
        Optional<TokenTypeUri> actorKind = Optional.empty();
        boolean hasActor = actorToken != null && !actorToken.isEmpty();
        boolean hasActorType = actorType != null && !actorType.isEmpty();
        if (hasActor != hasActorType) {
            throw OAuthErrors.invalidRequest(hasActor ? "actor_token_type: missing although actor_token is set (expected: "
                    + TokenTypeUri.JWT.uri() + " or " + TokenTypeUri.ACCESS_TOKEN.uri() + ")"
                    : "actor_token_type: set without an actor_token (expected: both or neither)");
        }
        if (hasActor) {
            token("actor_token", actorToken);
            actor = Optional.of(actorToken);
            actorKind = Optional.of(TokenTypeUri.of("actor_token_type", actorType));
        }
        TokenTypeUri requested = TokenTypeUri.requested(requestedType);
        checkTargets(audiences, resources);
        checkScopes(scopes);
        return new ExchangeRequest(caller, subjectToken, subject, actor, actorKind, audiences, resources, scopes, requested);
    }

    /** The requested audiences then resources, each once, in request order; empty when neither was given. */
    public List<String> targets() {
        LinkedHashSet<String> all = new LinkedHashSet<>(audiences);
        all.addAll(resources);
        return new ArrayList<>(all);
    }

    @Override
    public String toString() {
        return "ExchangeRequest[caller=" + caller + ", subjectType=" + subjectType + ", actor=" + actorType.map(Enum::name).orElse("none")
                + ", audiences=" + audiences + ", resources=" + resources + ", scopes=" + scopes + ", requestedType=" + requestedType + "]";
    }

    private static void token(String field, String token) {
        if (token == null || token.isEmpty()) {
            throw OAuthErrors.invalidRequest(field + ": missing (expected: a JWT in compact serialization)");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw OAuthErrors.invalidRequest(field + ": " + token.length() + " characters (expected: at most " + MAX_TOKEN_CHARS + ")");
        }
    }

    private static void checkTargets(List<String> audiences, List<String> resources) {
        if (audiences.size() > MAX_AUDIENCES) {
            throw OAuthErrors.invalidTarget("audience: " + audiences.size() + " values (expected: at most " + MAX_AUDIENCES + ")");
        }
        for (int i = 0; i < audiences.size(); i++) {
            String a = audiences.get(i);
            if (a.isEmpty() || a.length() > MAX_AUDIENCE_CHARS || a.isBlank()) {
                throw OAuthErrors.invalidTarget("audience[" + i + "]: " + a.length() + " characters (expected: 1 to "
                        + MAX_AUDIENCE_CHARS + ", not blank)");
            }
        }
        if (resources.size() > MAX_RESOURCES) {
            throw OAuthErrors.invalidTarget("resource: " + resources.size() + " values (expected: at most " + MAX_RESOURCES + ")");
        }
        for (int i = 0; i < resources.size(); i++) {
            String r = resources.get(i);
            if (r.isEmpty() || r.length() > MAX_RESOURCE_CHARS) {
                throw OAuthErrors.invalidTarget("resource[" + i + "]: " + r.length() + " characters (expected: 1 to "
                        + MAX_RESOURCE_CHARS + ")");
            }
            if (!absoluteWithoutFragment(r)) {
                throw OAuthErrors.invalidTarget("resource[" + i + "]: '" + TokenTypeUri.shorten(r)
                        + "' (expected: an absolute URI without a fragment, RFC 8707)");
            }
        }
    }

    private static boolean absoluteWithoutFragment(String value) {
        try {
            URI uri = new URI(value);
            return uri.isAbsolute() && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static void checkScopes(List<String> scopes) {
        if (scopes.size() > MAX_SCOPES) {
            throw OAuthErrors.invalidScope("scope: " + scopes.size() + " values (expected: at most " + MAX_SCOPES + ")");
        }
        for (int i = 0; i < scopes.size(); i++) {
            String s = scopes.get(i);
            if (s.length() > MAX_SCOPE_CHARS || !SCOPE_TOKEN.matcher(s).matches()) {
                throw OAuthErrors.invalidScope("scope[" + i + "]: '" + TokenTypeUri.shorten(s) + "' (expected: one RFC 6749 "
                        + "scope-token, 1 to " + MAX_SCOPE_CHARS + " printable ASCII characters without space, '\"' or '\\')");
            }
        }
    }
}
