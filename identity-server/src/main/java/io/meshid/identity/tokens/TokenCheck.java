package io.meshid.identity.tokens;

/**
 * The outcome of verifying a token: valid with what was verified, or invalid with the reason and
 * an explanation that names the values ({@code "exp 2026-01-01T10:00:00Z is before now
 * 2026-01-01T10:05:00Z (60 s skew)"}). An invalid token is a normal outcome, not an error.
 * Explanations never contain the token. Immutable.
 */
public sealed interface TokenCheck {

    /** The token passed every check. */
    record Valid(VerifiedToken token) implements TokenCheck {
    }

    /** The token failed a check. */
    record Invalid(Reason reason, String detail) implements TokenCheck {
    }

    /** Why a token is not valid; the same reasons as the wire's {@code InvalidTokenReason}. */
    enum Reason {
        /** Not a well-formed JWS compact serialization, JSON payload or meshid token type. */
        MALFORMED,
        /** The {@code kid} is missing or not in the JWKS of the issuing trust domain. */
        UNKNOWN_KEY,
        /** The signature does not verify, or the algorithm is not allowed. */
        BAD_SIGNATURE,
        /** {@code exp} is past, beyond the clock skew. */
        EXPIRED,
        /** {@code nbf} or {@code iat} is in the future, beyond the clock skew. */
        NOT_YET_VALID,
        /** {@code aud} does not contain an expected audience. */
        AUDIENCE_MISMATCH,
        /** The issuer or the subject's trust domain is not trusted here. */
        UNTRUSTED_ISSUER,
        /** The token was revoked. */
        REVOKED,
        /** A required claim is missing, or {@code sub} is not a valid SPIFFE ID or client id. */
        MISSING_CLAIM,
        /** A meshid token of a type the relying party did not expect. */
        WRONG_TYPE,
        /** The token is bound to a certificate ({@code cnf.x5t#S256}) and was presented without it or with another. */
        CERTIFICATE_MISMATCH
    }

    /** Whether the token is valid. */
    default boolean valid() {
        return this instanceof Valid;
    }
}
