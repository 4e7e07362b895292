package io.meshid.identity.oauth;

import java.util.Optional;

/** The grant types of the bridge's token endpoint. */
public enum GrantType {
    /** RFC 6749 section 4.4. */
    CLIENT_CREDENTIALS("client_credentials"),
    /** RFC 8693. */
    TOKEN_EXCHANGE("urn:ietf:params:oauth:grant-type:token-exchange"),
    /** RFC 7523 section 2.1. */
    JWT_BEARER("urn:ietf:params:oauth:grant-type:jwt-bearer");

    private static final GrantType[] VALUES = values();

    private final String uri;

    GrantType(String uri) {
        this.uri = uri;
    }

    /** The {@code grant_type} value. */
    public String uri() {
        return uri;
    }

    /** The grant type with {@code grant_type} value {@code value}, if one is. */
    public static Optional<GrantType> of(String value) {
        for (GrantType g : VALUES) {
            if (g.uri.equals(value)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }
}
