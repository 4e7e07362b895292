package io.meshid.identity.tokens;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.jwt.JwtSvids;
import io.micronaut.context.ApplicationContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The revocation and outage tests' JWT-SVIDs: minted for one audience, checked as one word. */
final class TokenChecks {

    private TokenChecks() {
    }

    /** A JWT-SVID of {@code subject} for {@code audience}, minted by {@code context}. */
    static String mint(ApplicationContext context, SpiffeId subject, SpiffeId audience) {
        return context.getBean(JwtSvids.class).mint(new JwtSvids.MintParams(subject, List.of(audience.toString()), Optional.empty()))
                .token();
    }

    /** VALID, the reason it is invalid, or UNAVAILABLE, as {@code audience} validating {@code token}. */
    static String check(TokenValidation validation, String token, SpiffeId audience) {
        try {
            TokenCheck c = validation.validate(audience, token, audience.toString(), Set.of(TokenType.JWT_SVID));
            return c instanceof TokenCheck.Invalid invalid ? invalid.reason().name() : "VALID";
        } catch (MeshidException.Unavailable e) {
            return "UNAVAILABLE";
        }
    }
}
