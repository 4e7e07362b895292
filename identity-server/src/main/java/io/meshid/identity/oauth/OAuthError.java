package io.meshid.identity.oauth;

/**
 * A refusal of the bridge with its RFC 6749 section 5.2 error code (or RFC 7009 / 8693 / 8707's),
 * HTTP status and description; the description never holds a secret or a token. The bridge's one
 * error mapper turns it, and the domain's {@link io.meshid.common.errors.MeshidException}s, into
 * OAuth error JSON. Immutable.
 */
public final class OAuthError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;
    private final long retryAfterSeconds;

    public OAuthError(String code, int status, String description) {
        this(code, status, description, 0);
    }

    public OAuthError(String code, int status, String description, long retryAfterSeconds) {
        super(description, null, false, false);
        this.code = code;
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The {@code error} value. */
    public String code() {
        return code;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** Seconds for {@code Retry-After}, or 0. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static OAuthError invalidRequest(String description) {
        return new OAuthError("invalid_request", 400, description);
    }

    public static OAuthError invalidClient(String description) {
        return new OAuthError("invalid_client", 401, description);
    }

    public static OAuthError invalidGrant(String description) {
        return new OAuthError("invalid_grant", 400, description);
    }

    public static OAuthError unauthorizedClient(String description) {
        return new OAuthError("unauthorized_client", 400, description);
    }

    public static OAuthError unsupportedGrantType(String description) {
        return new OAuthError("unsupported_grant_type", 400, description);
    }

    public static OAuthError invalidScope(String description) {
        return new OAuthError("invalid_scope", 400, description);
    }

    public static OAuthError invalidTarget(String description) {
        return new OAuthError("invalid_target", 400, description);
    }
}
