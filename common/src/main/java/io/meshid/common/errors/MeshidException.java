package io.meshid.common.errors;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A failure that the domain code reports to a caller. Each subtype stands for one transport-neutral
 * {@link Kind}; the domain never names a gRPC status. Each door maps the kind in one place:
 * {@code ErrorMappingInterceptor} (meshid-common-server) to a gRPC status with the message as its description, the REST
 * bridge to an OAuth error. So the message must be safe to show the caller: it names what was
 * wrong and what was expected, never a secret.
 *
 * <p>A failure may carry a machine-readable {@linkplain #reason() reason} (upper snake case, such
 * as {@code INVALID_GRANT}); the interceptor sends it as the {@code google.rpc.ErrorInfo} of the
 * status details, so that clients branch on it rather than on the message.
 */
public abstract class MeshidException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,62}[A-Z0-9]");

    private final String reason;

    protected MeshidException(String message) {
        this(message, (Throwable) null);
    }

    protected MeshidException(String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = null;
    }

    /**
     * A failure with an ErrorInfo reason.
     *
     * @throws IllegalArgumentException when {@code reason} is not upper snake case ({@code [A-Z][A-Z0-9_]*}, at most 64)
     */
    protected MeshidException(String message, String reason, Throwable cause) {
        super(message, cause, false, false);
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("reason: '" + reason + "' (expected: UPPER_SNAKE_CASE, 2 to 64 characters)");
        }
        this.reason = reason;
    }

    /**
     * What kind of failure this is, independent of any transport. Immutable and thread-safe, as
     * the exception itself.
     */
    public enum Kind {
        /** The request was malformed or out of bounds; nothing was changed. */
        INVALID_ARGUMENT,
        /** The caller could not be authenticated. */
        UNAUTHENTICATED,
        /** The caller is known but not allowed to do this. */
        PERMISSION_DENIED,
        /** What the request names does not exist (for this caller). */
        NOT_FOUND,
        /** What the request would create exists already. */
        ALREADY_EXISTS,
        /** A bound on stored things or on the caller's rate is reached. */
        RESOURCE_EXHAUSTED,
        /** The system is not in a state that allows this now. */
        FAILED_PRECONDITION,
        /** A concurrent change won (an optimistic check failed); read again and retry. */
        CONFLICT,
        /** A dependency (database, cache, upstream server) is down; the caller may retry. */
        UNAVAILABLE
    }

    /** The kind of this failure; each door maps it to its own error (gRPC status, OAuth error). */
    public abstract Kind kind();

    /** The ErrorInfo reason; without one the interceptor sends the status code's name. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** The request was malformed or out of bounds; nothing was changed. */
    public static final class InvalidArgument extends MeshidException {
        private static final long serialVersionUID = 1L;

        public InvalidArgument(String message) {
            super(message);
        }

        public InvalidArgument(String message, Throwable cause) {
            super(message, cause);
        }

        /** With an ErrorInfo reason, such as the OAuth error code {@code INVALID_GRANT}. */
        public InvalidArgument(String message, String reason) {
            super(message, reason, null);
        }

        @Override
        public Kind kind() {
            return Kind.INVALID_ARGUMENT;
        }
    }

    /** The caller is known but not allowed to do this. */
    public static final class PermissionDenied extends MeshidException {
        private static final long serialVersionUID = 1L;

        public PermissionDenied(String message) {
            super(message);
        }

        /** With an ErrorInfo reason, such as the OAuth error code {@code UNAUTHORIZED_CLIENT}. */
        public PermissionDenied(String message, String reason) {
            super(message, reason, null);
        }

        @Override
        public Kind kind() {
            return Kind.PERMISSION_DENIED;
        }
    }

    /** The caller could not be authenticated. */
    public static final class Unauthenticated extends MeshidException {
        private static final long serialVersionUID = 1L;

        public Unauthenticated(String message) {
            super(message);
        }

        @Override
        public Kind kind() {
            return Kind.UNAUTHENTICATED;
        }
    }

    /** What the request names does not exist (in the caller's trust domain). */
    public static final class NotFound extends MeshidException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message);
        }

        @Override
        public Kind kind() {
            return Kind.NOT_FOUND;
        }
    }

    /** What the request would create exists already. */
    public static final class AlreadyExists extends MeshidException {
        private static final long serialVersionUID = 1L;

        public AlreadyExists(String message) {
            super(message);
        }

        @Override
        public Kind kind() {
            return Kind.ALREADY_EXISTS;
        }
    }

    /** A bound on stored things or on the caller's rate is reached. */
    public static final class ResourceExhausted extends MeshidException {
        private static final long serialVersionUID = 1L;

        public ResourceExhausted(String message) {
            super(message);
        }

        /** With an ErrorInfo reason. */
        public ResourceExhausted(String message, String reason) {
            super(message, reason, null);
        }

        @Override
        public Kind kind() {
            return Kind.RESOURCE_EXHAUSTED;
        }
    }

    /** The system is not in a state that allows this now. */
    public static final class FailedPrecondition extends MeshidException {
        private static final long serialVersionUID = 1L;

        public FailedPrecondition(String message) {
            super(message);
        }

        @Override
        public Kind kind() {
            return Kind.FAILED_PRECONDITION;
        }
    }

    /** A dependency (database, cache, upstream server) is down; the caller may retry. */
    public static final class Unavailable extends MeshidException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public Kind kind() {
            return Kind.UNAVAILABLE;
        }
    }
}
