package io.meshid.common.spiffe;

/**
 * Thrown when a SPIFFE ID or trust domain breaks the rules of the SPIFFE ID standard. The message
 * names the offending part and what was expected; it is safe to return to a caller.
 */
public final class InvalidSpiffeIdException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidSpiffeIdException(String message) {
        super(message);
    }
}
