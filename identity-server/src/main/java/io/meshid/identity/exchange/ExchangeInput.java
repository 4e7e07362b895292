package io.meshid.identity.exchange;

import io.meshid.common.spiffe.SpiffeId;
import java.util.List;
import java.util.Optional;

/**
 * An ExchangeToken request as it came over the wire, from an authenticated caller: the gRPC
 * endpoint and the REST bridge both build one, and {@link TokenExchange} checks it. Its
 * {@code toString} never shows the tokens. Immutable.
 */
public record ExchangeInput(SpiffeId caller, String subjectToken, String subjectTokenType, String actorToken, String actorTokenType,
        List<String> audiences, List<String> resources, List<String> scopes, String requestedTokenType, Optional<String> clientId,
        Optional<String> x5tS256) {

    /** From the gRPC door: the caller's SPIFFE ID is the {@code client_id}; nothing is bound. */
    public ExchangeInput(SpiffeId caller, String subjectToken, String subjectTokenType, String actorToken, String actorTokenType,
            List<String> audiences, List<String> resources, List<String> scopes, String requestedTokenType) {
        this(caller, subjectToken, subjectTokenType, actorToken, actorTokenType, audiences, resources, scopes, requestedTokenType,
                Optional.empty(), Optional.empty());
    }

    /**
     * Copies the lists. {@code clientId}: the OAuth {@code client_id} of a bridge client (else the
     * caller's SPIFFE ID); {@code x5tS256}: the certificate thumbprint an access token is bound to
     * (RFC 8705), when the client authenticated with mutual TLS.
     */
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
