package io.meshid.identity.exchange;

import java.util.Optional;

/**
 * The token type URIs of RFC 8693 section 3 that meshid's token exchange accepts and issues. Any
 * other URI (an id_token, a refresh token, SAML) is {@code UNSUPPORTED_TOKEN_TYPE}.
 */
public enum TokenTypeUri {

    /** A JWT; in meshid, a JWT-SVID (or an external issuer's JWT). */
    JWT("urn:ietf:params:oauth:token-type:jwt"),

    /** An OAuth 2.0 access token; in meshid, an RFC 9068 {@code at+jwt}. */
    ACCESS_TOKEN("urn:ietf:params:oauth:token-type:access_token");

    private final String uri;

    TokenTypeUri(String uri) {
        this.uri = uri;
    }

    /** The URI of this type. */
    public String uri() {
        return uri;
    }

    /**
     * The type named by {@code uri} in request field {@code field}.
     *
     * @throws io.meshid.common.errors.MeshidException {@code INVALID_REQUEST} when empty,
     *     {@code UNSUPPORTED_TOKEN_TYPE} when not one of these
     */
    static TokenTypeUri of(String field, String uri) {
        if (uri == null || uri.isEmpty()) {
            throw OAuthErrors.invalidRequest(field + ": missing (expected: " + JWT.uri + " or " + ACCESS_TOKEN.uri + ")");
        }
        return find(uri).orElseThrow(() -> OAuthErrors.unsupportedTokenType(field + ": '" + shorten(uri) + "' is not supported "
                + "(expected: " + JWT.uri + " or " + ACCESS_TOKEN.uri + ")"));
    }

    /** The requested type of the new token: empty means an access token. */
    static TokenTypeUri requested(String uri) {
        return uri == null || uri.isEmpty() ? ACCESS_TOKEN : of("requested_token_type", uri);
    }

    private static Optional<TokenTypeUri> find(String uri) {
        for (TokenTypeUri t : values()) {
            if (t.uri.equals(uri)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    static String shorten(String value) {
        return value.length() <= 80 ? value : value.substring(0, 80) + "…";
    }
}
