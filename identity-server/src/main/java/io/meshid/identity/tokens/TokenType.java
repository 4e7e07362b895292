package io.meshid.identity.tokens;

import com.nimbusds.jose.JOSEObjectType;
import java.util.Optional;

/** The kinds of JWT meshid issues, told apart by the header's {@code typ}. */
public enum TokenType {
    /** A JWT-SVID: {@code typ} JWT (or absent, or JOSE), {@code sub} a SPIFFE ID of the issuing trust domain. */
    JWT_SVID,
    /** An RFC 9068 access token: {@code typ} at+jwt, {@code sub} a SPIFFE ID or an OAuth client id. */
    ACCESS_TOKEN;

    /** The header {@code typ} of an access token (RFC 9068). */
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

    /** The type a header's {@code typ} names, if it names one of meshid's. */
    static Optional<TokenType> of(JOSEObjectType typ) {
        if (typ == null || typ.equals(JOSEObjectType.JWT) || typ.equals(JOSEObjectType.JOSE)) {
            return Optional.of(JWT_SVID);
        }
        String t = typ.getType().toLowerCase(java.util.Locale.ROOT);
        return "at+jwt".equals(t) || "application/at+jwt".equals(t) ? Optional.of(ACCESS_TOKEN) : Optional.empty();
    }
}
