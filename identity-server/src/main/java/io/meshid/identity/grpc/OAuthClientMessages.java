package io.meshid.identity.grpc;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import io.meshid.identity.oauth.OAuthClient;
import io.meshid.identity.oauth.OAuthClientParams;
import io.meshid.proto.identity.v1.OAuthClientAuthMethod;
import io.meshid.proto.identity.v1.OAuthGrantType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Conversions between registry.proto's OAuth client messages and the domain's. */
final class OAuthClientMessages {

    private OAuthClientMessages() {
    }

    /** Params from the fields shared by Create and Update requests. */
    static OAuthClientParams params(TrustDomain domain, String clientId, OAuthClientAuthMethod method, List<OAuthGrantType> grants,
            List<String> scopes, List<String> audiences, String jwksJson, String tlsSpiffeId, Optional<Duration> ttl) {
        OAuthClientParams.clientId(clientId);
        return new OAuthClientParams(domain, clientId, method(method), grants.stream().map(OAuthClientMessages::grant).toList(),
                scopes, audiences, Optional.of(jwksJson).filter(j -> !j.isEmpty()),
                tlsSpiffeId.isEmpty() ? Optional.empty() : Optional.of(RegistryMessages.spiffeId("tls_client_auth_spiffe_id", tlsSpiffeId)),
                ttl.orElse(null));
    }

    static AuthMethod method(OAuthClientAuthMethod m) {
        return switch (m) {
            case OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC -> AuthMethod.CLIENT_SECRET_BASIC;
            case OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_POST -> AuthMethod.CLIENT_SECRET_POST;
            case OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT -> AuthMethod.PRIVATE_KEY_JWT;
            case OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH -> AuthMethod.TLS_CLIENT_AUTH;
            default -> throw new MeshidException.InvalidArgument("auth_method: " + m + " (expected: one of "
                    + "OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, _CLIENT_SECRET_POST, _PRIVATE_KEY_JWT, _TLS_CLIENT_AUTH)");
        };
    }

    static OAuthClientAuthMethod method(AuthMethod m) {
        return switch (m) {
            case CLIENT_SECRET_BASIC -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC;
            case CLIENT_SECRET_POST -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_CLIENT_SECRET_POST;
            case PRIVATE_KEY_JWT -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_PRIVATE_KEY_JWT;
            case TLS_CLIENT_AUTH -> OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_TLS_CLIENT_AUTH;
        };
    }

    static GrantType grant(OAuthGrantType g) {
        return switch (g) {
            case OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS -> GrantType.CLIENT_CREDENTIALS;
            case OAUTH_GRANT_TYPE_TOKEN_EXCHANGE -> GrantType.TOKEN_EXCHANGE;
            case OAUTH_GRANT_TYPE_JWT_BEARER -> GrantType.JWT_BEARER;
            default -> throw new MeshidException.InvalidArgument("grant_types: " + g + " (expected: "
                    + "OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS, _TOKEN_EXCHANGE or _JWT_BEARER)");
        };
    }

    static OAuthGrantType grant(GrantType g) {
        return switch (g) {
            case CLIENT_CREDENTIALS -> OAuthGrantType.OAUTH_GRANT_TYPE_CLIENT_CREDENTIALS;
            case TOKEN_EXCHANGE -> OAuthGrantType.OAUTH_GRANT_TYPE_TOKEN_EXCHANGE;
            case JWT_BEARER -> OAuthGrantType.OAUTH_GRANT_TYPE_JWT_BEARER;
        };
    }

    static io.meshid.proto.identity.v1.OAuthClient client(OAuthClient c) {
        var b = io.meshid.proto.identity.v1.OAuthClient.newBuilder()
                .setTrustDomain(c.trustDomain().name())
                .setClientId(c.clientId())
                .setAuthMethod(method(c.authMethod()))
                .addAllScopes(c.scopes())
                .addAllAudiences(c.audiences())
                .setAccessTokenTtl(RegistryMessages.duration(c.tokenTtl()))
                .setCreatedAt(RegistryMessages.timestamp(c.createdAt()))
                .setCreatedBy(c.createdBy())
                .setUpdatedAt(RegistryMessages.timestamp(c.updatedAt()));
        c.grantTypes().forEach(g -> b.addGrantTypes(grant(g)));
        c.jwksJson().ifPresent(b::setJwksJson);
        c.tlsSpiffeId().map(SpiffeId::toString).ifPresent(b::setTlsClientAuthSpiffeId);
        c.previousSecretExpiresAt().ifPresent(t -> b.setPreviousSecretExpiresAt(RegistryMessages.timestamp(t)));
        return b.build();
    }
}
