package io.meshid.identity.exchange;

import io.meshid.common.spiffe.SpiffeId;
import java.util.List;

/**
 * An ExchangeToken request as it came over the wire, from an authenticated caller: the gRPC
 * endpoint and the REST bridge both build one, and {@link TokenExchange} checks it. Its
 * {@code toString} never shows the tokens. Immutable.
 */
public record ExchangeInput(SpiffeId caller, String subjectToken, String subjectTokenType, String actorToken, String actorTokenType,
        List<String> audiences, List<String> resources, List<String> scopes, String requestedTokenType) {

    /** Copies the lists. */
    public ExchangeInput {
        audiences = List.copyOf(audiences);
        resources = List.copyOf(resources);
        scopes = List.copyOf(scopes);
    }

    @Override
    public String toString() {
        return "ExchangeInput[caller=" + caller + ", subjectTokenType=" + subjectTokenType + ", actorTokenType=" + actorTokenType
                + ", audiences=" + audiences + ", resources=" + resources + ", scopes=" + scopes + ", requestedTokenType="
                + requestedTokenType + ", tokens=****]";
    }
}
