package io.meshid.common.store;

/**
 * The shared store could not answer: Redis is unreachable, refused the command, or did not reply
 * within the command timeout. The message names the store (a Redis URI without its password) and
 * never a value. Callers that guard a security decision treat it as "unknown", which means deny;
 * the server maps it to {@code UNAVAILABLE}.
 */
public final class SharedStoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message} caused by {@code cause}. */
    public SharedStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
