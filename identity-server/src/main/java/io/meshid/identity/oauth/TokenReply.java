package io.meshid.identity.oauth;

import java.util.List;
import java.util.Optional;

/**
 * A successful token endpoint reply (RFC 6749 section 5.1, RFC 8693 section 2.2.1). Never prints
 * the token. Immutable.
 */
public record TokenReply(String accessToken, String tokenType, long expiresIn, List<String> scopes, Optional<String> issuedTokenType) {

    /** Copies the list. */
    public TokenReply {
        scopes = List.copyOf(scopes);
    }

    @Override
    public String toString() {
        return "TokenReply[type=" + tokenType + ", expiresIn=" + expiresIn + ", scopes=" + scopes + ", token=****]";
    }
}
