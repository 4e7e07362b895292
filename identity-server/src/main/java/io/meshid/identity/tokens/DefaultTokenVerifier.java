package io.meshid.identity.tokens;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.Issuers;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.identity.jwt.JwtKeyPolicy;
import io.meshid.identity.tokens.TokenCheck.Invalid;
import io.meshid.identity.tokens.TokenCheck.Reason;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link TokenVerifier} over {@link JwtKeyManager}'s published keys and {@link Revocations}:
 * nimbus parses the header and the claims once, the key's {@link io.meshid.identity.jwt.Es256Verifier}
 * checks the signature, and a token that passed is kept in a {@link VerifiedTokenCache} so that
 * presenting it again skips both; revocation, times, audience, trust and the key's publication
 * are checked on every call. Thread-safe.
 */
@Singleton
final class DefaultTokenVerifier implements TokenVerifier {

    private static final int MAX_CLIENT_ID = 256;
    /** Verified tokens kept: a few hundred bytes each, a few MiB in all. */
    static final int CACHE_CAPACITY = 10_000;

    private final JwtKeyManager keys;
    private final Issuers issuers;
    private final Revocations revocations;
    private final Clock clock;
    private final VerifiedTokenCache cache;

    @Inject
    DefaultTokenVerifier(JwtKeyManager keys, Issuers issuers, Revocations revocations, Clock clock) {
        this(keys, issuers, revocations, clock, CACHE_CAPACITY);
    }

    /** With a cache of {@code cacheCapacity} tokens; 0 turns it off (for tests that compare). */
    DefaultTokenVerifier(JwtKeyManager keys, Issuers issuers, Revocations revocations, Clock clock, int cacheCapacity) {
        this.keys = keys;
        this.issuers = issuers;
        this.revocations = revocations;
        this.clock = clock;
        this.cache = new VerifiedTokenCache(cacheCapacity);
    }

    /** A failed check, thrown inside this class only, to keep {@link #verify} a straight line. */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        Failed(Reason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /** How many tokens the cache holds now. */
    int cachedTokens() {
        return cache.size();
    }

    @Override
    public TokenCheck verify(String token, Expectations expected) {
        try {
            return new TokenCheck.Valid(check(token, expected));
        } catch (Failed f) {
            return new Invalid(f.reason, f.getMessage());
        }
    }

    /**
     * The checks of {@link TokenVerifier} in its order. A token found in the cache passed the
     * checks that depend on it alone; those that depend on the call run again, in the same order,
     * so a cached and an uncached verification give the same answer.
     */
    private VerifiedToken check(String token, Expectations expected) throws Failed {
        TokenDigest digest = TokenDigest.of(token);
        Instant now = clock.instant();
        CheckedToken cached = cache.get(digest, now);
        if (cached != null) {
            expectType(cached.type(), cached.typ(), expected);
            trusted(cached.iss(), cached.domain(), expected);
            if (key(cached.key().kid(), cached.domain()) == cached.key()) {
                return accept(cached, expected);
            }
        }
        CheckedToken checked = parseAndVerify(token, expected);
        cache.put(digest, checked, now);
        return accept(checked, expected);
    }

    private CheckedToken parseAndVerify(String token, Expectations expected) throws Failed {
        Base64URL[] parts = parts(token);
        JWSHeader header = header(parts[0]);
        TokenType type = TokenType.of(header.getType()).orElseThrow(() -> new Failed(Reason.MALFORMED, "typ " + header.getType()
                + " is not a meshid token type (expected: JWT for a JWT-SVID, at+jwt for an access token)"));
        expectType(type, header.getType(), expected);
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(JSONObjectUtils.parse(parts[1].decodeToString()));
        } catch (ParseException e) {
            throw new Failed(Reason.MALFORMED, "payload: not a JSON object of JWT claims (" + e.getMessage() + ")");
        }
        String iss = required(claims.getIssuer(), "iss");
        TrustDomain domain = issuers.trustDomainOf(iss).orElseThrow(() -> new Failed(Reason.UNTRUSTED_ISSUER, "iss " + iss
                + " is not the issuer of a meshid trust domain (expected: " + expectedIssuers(expected) + ")"));
        trusted(iss, domain, expected);
        JwtKeyManager.VerificationKey key = key(header.getKeyID(), domain);
        signature(token, header, parts, key, domain);
        String sub = required(claims.getSubject(), "sub");
        List<String> aud = claims.getAudience();
        if (aud.isEmpty()) {
            throw new Failed(Reason.MISSING_CLAIM, "aud: missing (expected: at least one audience)");
        }
        Instant exp = required(claims.getExpirationTime(), "exp").toInstant();
        String jti = required(claims.getJWTID(), "jti");
        Optional<SpiffeId> spiffeId = subject(sub, type, domain);
        return new CheckedToken(type, header.getType(), iss, domain, key, sub, spiffeId, aud, exp,
                Optional.ofNullable(claims.getNotBeforeTime()).map(Date::toInstant),
                Optional.ofNullable(claims.getIssueTime()).map(Date::toInstant), jti, claims);
    }

    private VerifiedToken accept(CheckedToken c, Expectations expected) throws Failed {
        if (expected.checkTimes()) {
            times(c.expiresAt(), c.notBefore(), c.issuedAt());
        }
        if (!expected.audiences().isEmpty() && c.audiences().stream().noneMatch(expected.audiences()::contains)) {
            throw new Failed(Reason.AUDIENCE_MISMATCH, "aud " + c.audiences() + " does not contain "
                    + (expected.audiences().size() == 1 ? expected.audiences().iterator().next() : "any of " + expected.audiences()));
        }
        if (expected.checkRevocation() && revocations.isRevoked(c.domain(), c.jti())) {
            throw new Failed(Reason.REVOKED, "jti " + c.jti() + " of " + c.domain() + " was revoked");
        }
        return c.verified();
    }

    private static void expectType(TokenType type, JOSEObjectType typ, Expectations expected) throws Failed {
        if (!expected.types().contains(type)) {
            throw new Failed(Reason.WRONG_TYPE, "typ " + (typ == null ? "(none)" : typ) + ": a " + type + " (expected: "
                    + expected.types().stream().map(Enum::name).sorted().collect(Collectors.joining(" or ")) + ")");
        }
    }

    private void trusted(String iss, TrustDomain domain, Expectations expected) throws Failed {
        if (!expected.trusted().isEmpty() && !expected.trusted().contains(domain)) {
            throw new Failed(Reason.UNTRUSTED_ISSUER, "iss " + iss + " (trust domain " + domain + ") is not trusted here (expected: "
                    + expectedIssuers(expected) + "; no federation is configured)");
        }
    }

    private static void signature(String token, JWSHeader header, Base64URL[] parts, JwtKeyManager.VerificationKey key,
            TrustDomain domain) throws Failed {
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw new Failed(Reason.BAD_SIGNATURE, "signature does not verify with kid " + key.kid() + " of " + domain
                    + " (crit " + header.getCriticalParams() + ": no critical header parameter is understood here)");
        }
        byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.UTF_8);
        if (!key.verifier().verify(input, input.length, parts[2].decode())) {
            throw new Failed(Reason.BAD_SIGNATURE, "signature does not verify with kid " + key.kid() + " of " + domain);
        }
    }

    private static Base64URL[] parts(String token) throws Failed {
        try {
            Base64URL[] parts = JOSEObject.split(token);
            if (parts.length != 3) {
                throw new Failed(Reason.MALFORMED, parts.length + " parts (expected: a JWS compact serialization, 3 parts)");
            }
            return parts;
        } catch (ParseException e) {
            throw new Failed(Reason.MALFORMED, "not a JWS compact serialization (" + e.getMessage() + ")");
        }
    }

    private static JWSHeader header(Base64URL encoded) throws Failed {
        Header header;
        try {
            header = Header.parse(encoded);
        } catch (ParseException e) {
            throw new Failed(Reason.MALFORMED, "header: " + e.getMessage());
        }
        if (Algorithm.NONE.equals(header.getAlgorithm())) {
            throw new Failed(Reason.BAD_SIGNATURE, "alg none is not allowed (expected: ES256)");
        }
        if (!(header instanceof JWSHeader jws)) {
            throw new Failed(Reason.MALFORMED, "header alg " + header.getAlgorithm() + " is not a signature (expected: a JWS with ES256)");
        }
        if (!JWSAlgorithm.ES256.equals(jws.getAlgorithm())) {
            throw new Failed(Reason.BAD_SIGNATURE, "alg " + jws.getAlgorithm() + " is not allowed (expected: ES256)");
        }
        return jws;
    }

    private String expectedIssuers(Expectations expected) {
        if (expected.trusted().isEmpty()) {
            return "the issuer of a trust domain served here";
        }
        return expected.trusted().stream().map(issuers::issuer).sorted().collect(Collectors.joining(" or "));
    }

    private JwtKeyManager.VerificationKey key(String kid, TrustDomain domain) throws Failed {
        if (kid == null || kid.isEmpty()) {
            throw new Failed(Reason.UNKNOWN_KEY, "kid: missing (expected: the kid of a key in the JWKS of " + domain + ")");
        }
        String shown = kid.length() > 64 ? kid.substring(0, 64) + "..." : kid;
        return keys.verificationKey(domain, kid).orElseThrow(() -> new Failed(Reason.UNKNOWN_KEY, "kid " + shown
                + " is not in the JWKS of " + domain));
    }

    private static Optional<SpiffeId> subject(String sub, TokenType type, TrustDomain domain) throws Failed {
        if (type == TokenType.JWT_SVID || sub.startsWith("spiffe://")) {
            SpiffeId id;
            try {
                id = SpiffeId.parse(sub);
            } catch (InvalidSpiffeIdException e) {
                throw new Failed(Reason.MISSING_CLAIM, "sub " + sub + " is not a SPIFFE ID (" + e.getMessage() + ")");
            }
            if (!id.memberOf(domain)) {
                throw new Failed(Reason.UNTRUSTED_ISSUER, "sub " + sub + " is not in trust domain " + domain + " of its issuer");
            }
            return Optional.of(id);
        }
        if (sub.isBlank() || sub.length() > MAX_CLIENT_ID || sub.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new Failed(Reason.MISSING_CLAIM, "sub is not a client id (expected: 1 to " + MAX_CLIENT_ID
                    + " visible characters)");
        }
        return Optional.empty();
    }

    private void times(Instant exp, Optional<Instant> nbf, Optional<Instant> iat) throws Failed {
        Instant now = clock.instant();
        if (exp.plus(JwtKeyPolicy.CLOCK_SKEW).isBefore(now)) {
            throw new Failed(Reason.EXPIRED, "exp " + exp + " is before now " + now + " (60 s skew)");
        }
        Instant latest = now.plus(JwtKeyPolicy.CLOCK_SKEW);
        if (nbf.isPresent() && nbf.get().isAfter(latest)) {
            throw new Failed(Reason.NOT_YET_VALID, "nbf " + nbf.get() + " is after now " + now + " (60 s skew)");
        }
        if (iat.isPresent() && iat.get().isAfter(latest)) {
            throw new Failed(Reason.NOT_YET_VALID, "iat " + iat.get() + " is after now " + now + " (60 s skew)");
        }
    }

    private static <T> T required(T value, String claim) throws Failed {
        if (value == null) {
            throw new Failed(Reason.MISSING_CLAIM, claim + ": missing");
        }
        return value;
    }
}
