package io.meshid.identity.exchange;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.tokens.TokenCheck;
import io.meshid.identity.tokens.TokenType;
import io.meshid.identity.tokens.TokenVerifier;
import io.meshid.identity.tokens.VerifiedToken;
import jakarta.inject.Singleton;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a presented subject or actor token into a {@link PresentedToken}: by its {@code iss} (read
 * before verification only to choose the verifier, and only when external issuers are configured)
 * either a configured external issuer's, or meshid's own, checked by the token core's {@link TokenVerifier} (signature, key, times,
 * revocation) for the caller's trust domain. Whatever fails is {@code INVALID_GRANT} with the
 * verifier's reason; a stated token type that does not match the token is
 * {@code INVALID_REQUEST}. Thread-safe.
 */
@Singleton
final class SubjectTokens {

    private final TokenVerifier verifier;
    private final ExternalIssuers external;

    SubjectTokens(TokenVerifier verifier, ExternalIssuers external) {
        this.verifier = verifier;
        this.external = external;
    }

    PresentedToken verify(String field, String token, TokenTypeUri stated, SpiffeId caller) {
        if (!external.isEmpty()) {
            SignedJWT jwt = parse(field, token);
            Optional<ExternalIssuer> issuer = external.find(unverifiedIssuer(field, jwt));
            if (issuer.isPresent()) {
                return issuer.get().verify(field, jwt);
            }
        }
        TokenCheck check = verifier.verify(token, new TokenVerifier.Expectations(Set.of(caller.trustDomain()), Set.of(),
                Set.of(TokenType.values()), true, true));
        if (check instanceof TokenCheck.Invalid invalid) {
            String why = invalid.reason() == TokenCheck.Reason.UNTRUSTED_ISSUER
                    ? " (expected: a token of trust domain " + caller.trustDomain() + " or of a configured external issuer)" : "";
            throw OAuthErrors.invalidGrant(field + ": " + invalid.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + ": " + invalid.detail() + why);
        }
        VerifiedToken v = ((TokenCheck.Valid) check).token();
        TokenTypeUri actual = v.type() == TokenType.ACCESS_TOKEN ? TokenTypeUri.ACCESS_TOKEN : TokenTypeUri.JWT;
        if (actual != stated) {
            throw OAuthErrors.invalidRequest(field + "_type: " + stated.uri() + ", but the token is a "
                    + (actual == TokenTypeUri.JWT ? "JWT-SVID" : "meshid access token") + " (expected: " + actual.uri() + ")");
        }
        return of(v);
    }

    /** The {@code iss}, read before verification only to choose the verifier. */
    private static String unverifiedIssuer(String field, SignedJWT jwt) {
        try {
            return jwt.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            throw OAuthErrors.invalidGrant(field + ": its payload is not a JSON object of claims (" + e.getMessage() + ")");
        }
    }

    private static SignedJWT parse(String field, String token) {
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw OAuthErrors.invalidGrant(field + ": not a signed JWT in compact serialization (" + e.getMessage() + ")");
        }
    }

    private static PresentedToken of(VerifiedToken v) {
        JWTClaimsSet c = v.claims();
        try {
            return new PresentedToken(v.type() == TokenType.ACCESS_TOKEN ? PresentedToken.Origin.ACCESS_TOKEN : PresentedToken.Origin.JWT_SVID,
                    c.getIssuer(), v.trustDomain(), v.subject(), v.audiences(), scopes(c.getClaim("scope")), v.expiresAt(), v.jti(),
                    Optional.ofNullable(c.getJSONObjectClaim("act")), Optional.ofNullable(c.getJSONObjectClaim("may_act")));
        } catch (ParseException e) {
            throw OAuthErrors.invalidGrant("act or may_act: not a JSON object (" + e.getMessage() + ")");
        }
    }

    private static List<String> scopes(Object scope) {
        return scope instanceof String s ? Arrays.stream(s.trim().split(" +")).filter(x -> !x.isEmpty()).toList() : List.of();
    }
}
