package io.meshid.identity.oauth;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A registered OAuth 2.0 client of the REST bridge, as stored, never with its secret. Immutable.
 *
 * @param trustDomain  whose tokens it gets, and whose admins manage it
 * @param clientId     its {@code client_id}, unique in the trust domain
 * @param authMethod   how it authenticates
 * @param grantTypes   what it may ask for
 * @param scopes       the scopes it may get
 * @param audiences    the audiences it may get tokens for; the first is the default
 * @param jwksJson     its public keys, for {@link AuthMethod#PRIVATE_KEY_JWT}
 * @param tlsSpiffeId  the SPIFFE ID of its certificate, for {@link AuthMethod#TLS_CLIENT_AUTH}
 * @param tokenTtl     lifetime of its access tokens
 * @param previousSecretExpiresAt while a rotated-out secret still works
 */
public record OAuthClient(TrustDomain trustDomain, String clientId, AuthMethod authMethod, List<GrantType> grantTypes,
        List<String> scopes, List<String> audiences, Optional<String> jwksJson, Optional<SpiffeId> tlsSpiffeId, Duration tokenTtl,
        Instant createdAt, String createdBy, Instant updatedAt, Optional<Instant> previousSecretExpiresAt) {

    /** The reserved path under which clients without a SPIFFE ID of their own act (no workload can hold it). */
    public static final String PRINCIPAL_PATH = "/meshid/oauth-client/";

    /** Copies the lists. */
    public OAuthClient {
        grantTypes = List.copyOf(grantTypes);
        scopes = List.copyOf(scopes);
        audiences = List.copyOf(audiences);
    }

    /**
     * Who the client is to the domain services (token exchange, revocation, audit): the SPIFFE ID
     * of a {@code tls_client_auth} client, else {@code spiffe://<trust domain>/meshid/oauth-client/<client id>},
     * a reserved identity no workload can be issued. A client's access tokens carry it as {@code sub}.
     */
    public SpiffeId principal() {
        return tlsSpiffeId.orElseGet(() -> SpiffeId.of(trustDomain, PRINCIPAL_PATH + clientId));
    }
}
