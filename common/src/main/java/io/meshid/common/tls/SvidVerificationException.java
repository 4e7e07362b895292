package io.meshid.common.tls;

/**
 * Thrown when a certificate chain is not an acceptable X.509-SVID: it breaks a SPIFFE rule, does
 * not chain to the trust bundle, is outside its validity period, or belongs to another trust domain.
 *
 * <p>The message says what was wrong and what was expected, and is safe to return to the peer: it
 * holds no stack trace and no key material, only SPIFFE IDs, chain positions and dates. Unchecked.
 */
public final class SvidVerificationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message} (what was wrong, and what was expected). */
    public SvidVerificationException(String message) {
        super(message, null, false, false);
    }
}
