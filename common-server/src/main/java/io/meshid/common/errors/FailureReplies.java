package io.meshid.common.errors;

import io.grpc.Status;
import io.lettuce.core.RedisException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.store.SharedStoreUnavailableException;
import io.micronaut.data.exceptions.DataAccessException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which failures a caller may read, and the generic replies for those it may not. A reply never
 * carries text from a database driver, a cache client or an unexpected exception (SQL, table and
 * column names, host names, stack details): such a failure is answered with its code, the
 * component that failed and the request id, and its detail goes to the log under that request
 * id. Stateless and thread-safe.
 */
final class FailureReplies {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMappingInterceptor.class);
    /** How a meshid message names its component: "audit trail: ...", "registry database: ...". */
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z][A-Za-z0-9 .-]{0,39}");

    private FailureReplies() {
    }

    /**
     * Whether {@code e}'s message may carry text of the dependency that failed: an
     * {@code UNAVAILABLE} failure caused by something that is not a meshid failure, or any failure
     * caused by a driver or store exception.
     */
    static boolean hidesDetail(MeshidException e) {
        Throwable cause = e.getCause();
        if (cause == null || cause instanceof MeshidException) {
            return false;
        }
        return e instanceof MeshidException.Unavailable || dependencyFailure(cause);
    }

    /** The reply to a meshid failure whose detail is hidden; the detail is logged with the request id. */
    static Status hidden(MeshidException e) {
        String requestId = RequestIds.current();
        String message = e.getMessage() == null ? "" : e.getMessage();
        int colon = message.indexOf(": ");
        String component = colon > 0 && COMPONENT.matcher(message.substring(0, colon)).matches() ? message.substring(0, colon)
                : "a dependency";
        LOG.warn("request {}: {} answered {} without its detail", requestId, e.getClass().getSimpleName(), ErrorMappingInterceptor.code(e.kind()), e);
        String description = ErrorMappingInterceptor.code(e.kind()) == Status.Code.UNAVAILABLE
                ? component + ": unavailable (request id " + requestId + "); retry shortly"
                : component + ": failed (request id " + requestId + "); see the server log";
        return Status.fromCode(ErrorMappingInterceptor.code(e.kind())).withDescription(description);
    }

    /**
     * The reply to a failure that is not a meshid failure: {@code UNAVAILABLE} when a database or
     * the shared store could not be reached in time, else {@code INTERNAL}; either way with the
     * request id only.
     */
    static Status unexpected(Throwable e) {
        String requestId = RequestIds.current();
        if (transientDependencyFailure(e)) {
            return Status.UNAVAILABLE.withDescription("a dependency is unavailable (request id " + requestId + "); retry shortly");
        }
        return Status.INTERNAL.withDescription("internal error (request id " + requestId + "); see the server log");
    }

    private static boolean dependencyFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException || t instanceof DataAccessException || t instanceof RedisException
                    || t instanceof SharedStoreUnavailableException) {
                return true;
            }
        }
        return false;
    }

    private static boolean transientDependencyFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SharedStoreUnavailableException
                    || t instanceof io.lettuce.core.RedisConnectionException || t instanceof io.lettuce.core.RedisCommandTimeoutException
                    || t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }
}
