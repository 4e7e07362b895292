package io.meshid.identity.exchange;

import io.meshid.common.errors.MeshidException;

/**
 * The failures of token exchange, each with the OAuth 2.0 error code (RFC 6749 section 5.2,
 * RFC 8693 section 2.2.2, RFC 8707) as its ErrorInfo reason, as identity.proto specifies:
 * {@code INVALID_ARGUMENT} for the request's faults, {@code PERMISSION_DENIED} for
 * {@code UNAUTHORIZED_CLIENT}. The REST bridge maps the same reasons to OAuth error JSON.
 */
public final class OAuthErrors {

    /** The reasons, as they appear in ErrorInfo (upper case) and in OAuth JSON (lower case). */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";
    public static final String INVALID_GRANT = "INVALID_GRANT";
    public static final String INVALID_TARGET = "INVALID_TARGET";
    public static final String INVALID_SCOPE = "INVALID_SCOPE";
    public static final String UNSUPPORTED_TOKEN_TYPE = "UNSUPPORTED_TOKEN_TYPE";
    public static final String UNAUTHORIZED_CLIENT = "UNAUTHORIZED_CLIENT";

    private OAuthErrors() {
    }

    static MeshidException invalidRequest(String message) {
        return new MeshidException.InvalidArgument(message, INVALID_REQUEST);
    }

    static MeshidException invalidGrant(String message) {
        return new MeshidException.InvalidArgument(message, INVALID_GRANT);
    }

    static MeshidException invalidTarget(String message) {
        return new MeshidException.InvalidArgument(message, INVALID_TARGET);
    }

    static MeshidException invalidScope(String message) {
        return new MeshidException.InvalidArgument(message, INVALID_SCOPE);
    }

    static MeshidException unsupportedTokenType(String message) {
        return new MeshidException.InvalidArgument(message, UNSUPPORTED_TOKEN_TYPE);
    }

    static MeshidException unauthorizedClient(String message) {
        return new MeshidException.PermissionDenied(message, UNAUTHORIZED_CLIENT);
    }
}
