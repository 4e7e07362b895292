package io.meshid.identity.oauth;

import java.util.List;
import java.util.Optional;

/**
 * The grant parameters of a token request, as read from the form (every single-valued parameter
 * at most once; the adapter refused repeats). Never prints a token. Immutable.
 */
public record TokenRequest(GrantType grantType, List<String> scopes, List<String> audiences, List<String> resources,
        Optional<String> subjectToken, Optional<String> subjectTokenType, Optional<String> actorToken, Optional<String> actorTokenType,
        Optional<String> requestedTokenType, Optional<String> assertion) {

    /** Copies the lists. */
    public TokenRequest {
        scopes = List.copyOf(scopes);
        audiences = List.copyOf(audiences);
        resources = List.copyOf(resources);
    }

    @Override
    public String toString() {
        return "TokenRequest[" + grantType + ", scopes=" + scopes + ", audiences=" + audiences + ", resources=" + resources + "]";
    }
}
