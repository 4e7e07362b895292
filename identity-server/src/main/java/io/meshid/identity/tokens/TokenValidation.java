package io.meshid.identity.tokens;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Set;

/**
 * Checks a token for a workload (ValidateToken): the token must be of the caller's own trust
 * domain (no federation is configured yet), of an expected type (a JWT-SVID unless the caller
 * names others) and contain the audience. Invalid tokens are answered,
 * not thrown, and audited as denials with their reason; valid ones are not audited (they are the
 * hot path, and nothing was decided beyond what the token already said). The audit write never
 * waits (this runs on the event loop): past half a full audit queue, denials are dropped and
 * counted ({@link AuditLog#recordRepeatable}). The event's target is the token's fingerprint (the
 * first 16 hex digits of its SHA-256, never the token), so that one caller retrying one invalid
 * token is folded into one counted event while different tokens stay apart. Thread-safe.
 */
@Singleton
public final class TokenValidation {

    /** Largest token accepted, in characters. */
    public static final int MAX_TOKEN = 8 * 1024;
    /** What is expected when the caller names no type. */
    public static final Set<TokenType> DEFAULT_TYPES = Set.of(TokenType.JWT_SVID);
    /** Longest audience accepted. */
    public static final int MAX_AUDIENCE = 256;

    private final TokenVerifier verifier;
    private final AuditLog audit;
    private final Clock clock;

    TokenValidation(TokenVerifier verifier, AuditLog audit, Clock clock) {
        this.verifier = verifier;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Checks {@code token} for {@code caller}, which expects {@code audience} in it and a token of
     * one of {@code types} (empty: a JWT-SVID only, so an access token is never taken for one).
     */
    public TokenCheck validate(SpiffeId caller, String token, String audience, Set<TokenType> types) {
        return validate(caller, token, audience, types, new byte[0]);
    }

    /**
     * As {@link #validate(SpiffeId, String, String, Set)}, for a token presented on a mutual TLS
     * connection with {@code presenterDer} (empty: none): a certificate-bound token
     * ({@code cnf.x5t#S256}, RFC 8705) is valid only with the certificate it names.
     */
    public TokenCheck validate(SpiffeId caller, String token, String audience, Set<TokenType> types, byte[] presenterDer) {
        if (presenterDer.length > 16 * 1024) {
            throw new MeshidException.InvalidArgument("presenter_certificate: " + presenterDer.length + " bytes (expected: at most 16 KiB)");
        }
        TokenCheck check = check(caller, token, audience, types);
        if (check instanceof TokenCheck.Valid valid && valid.token().claims().getClaim("cnf") instanceof java.util.Map<?, ?> cnf
                && cnf.get("x5t#S256") instanceof String bound) {
            String presented = presenterDer.length == 0 ? null : java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(sha256(presenterDer));
            if (presented == null || !java.security.MessageDigest.isEqual(bound.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                TokenCheck.Invalid invalid = new TokenCheck.Invalid(TokenCheck.Reason.CERTIFICATE_MISMATCH, presented == null
                        ? "bound to certificate x5t#S256 " + bound + ", presented without a certificate (expected: the token's own "
                        + "mutual TLS certificate as proof)" : "bound to certificate x5t#S256 " + bound + ", presented with " + presented);
                audit.recordRepeatable(AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(),
                        "identity.validate_token", fingerprint(token), AuditEvent.Outcome.DENIED, invalid.reason() + ": " + invalid.detail(),
                        RequestIds.current()));
                return invalid;
            }
        }
        return check;
    }

    /** {@code "token sha256:<16 hex>"}: tells tokens apart in the audit trail without being one. */
    static String fingerprint(String token) {
        return "token sha256:" + java.util.HexFormat.of().formatHex(sha256(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                0, 8);
    }

    private static byte[] sha256(byte[] der) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(der);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private TokenCheck check(SpiffeId caller, String token, String audience, Set<TokenType> types) {
        checkToken(token);
        if (audience.isEmpty() || audience.length() > MAX_AUDIENCE) {
            throw new MeshidException.InvalidArgument("audience: " + audience.length() + " characters (expected: 1 to "
                    + MAX_AUDIENCE + ")");
        }
        TokenCheck check = verifier.verify(token, TokenVerifier.Expectations.of(caller.trustDomain(), audience,
                types.isEmpty() ? DEFAULT_TYPES : types));
        if (check instanceof TokenCheck.Invalid invalid) {
            audit.recordRepeatable(AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(),
                    "identity.validate_token", fingerprint(token), AuditEvent.Outcome.DENIED, invalid.reason() + ": " + invalid.detail(),
                    RequestIds.current()));
        }
        return check;
    }

    /** Refuses an empty or oversized token before any parsing. */
    static void checkToken(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN) {
            throw new MeshidException.InvalidArgument("token: " + token.length() + " characters (expected: a JWS compact "
                    + "serialization of 1 to " + MAX_TOKEN + ")");
        }
    }
}
