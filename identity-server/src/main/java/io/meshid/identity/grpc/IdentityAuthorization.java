package io.meshid.identity.grpc;

import static io.meshid.common.authz.CallerClass.ADMIN;
import static io.meshid.common.authz.CallerClass.ANONYMOUS;
import static io.meshid.common.authz.CallerClass.AUTHENTICATED;
import static io.meshid.common.authz.CallerClass.SYSTEM_ADMIN;

import io.meshid.common.authz.AuthorizationTable;
import io.meshid.proto.common.v1.AuditServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/**
 * identity-server's authorization table: who may call each rpc, applied to every call by
 * {@code io.meshid.common.authz.AuthorizationInterceptor} (docs/api.md mirrors it). Attest is the
 * one anonymous rpc; the token rpcs take any SVID and their domain services decide what the
 * caller may do with it (renew only its own SVID, revoke only its own tokens unless admin, ...);
 * the registry takes admins, each scoped to its own trust domain by the endpoint.
 */
@Factory
final class IdentityAuthorization {

    @Singleton
    AuthorizationTable table() {
        return AuthorizationTable.builder()
                .allow(IdentityServiceGrpc.getAttestMethod(), ANONYMOUS)
                .allow(IdentityServiceGrpc.getRenewX509SvidMethod(), AUTHENTICATED)
                .allow(IdentityServiceGrpc.getMintJwtSvidMethod(), AUTHENTICATED)
                .allow(IdentityServiceGrpc.getExchangeTokenMethod(), AUTHENTICATED)
                .allow(IdentityServiceGrpc.getValidateTokenMethod(), AUTHENTICATED)
                .allow(IdentityServiceGrpc.getRevokeTokenMethod(), AUTHENTICATED)
                .allow(IdentityServiceGrpc.getGetJwksMethod(), AUTHENTICATED)
                .allow(RegistryServiceGrpc.getCreateTrustDomainMethod(), SYSTEM_ADMIN)
                // Every admin; the endpoint shows a tenant admin its own trust domain only.
                .allow(RegistryServiceGrpc.getListTrustDomainsMethod(), SYSTEM_ADMIN, ADMIN)
                .allow(RegistryServiceGrpc.getCreateEntryMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getGetEntryMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getListEntriesMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getDeleteEntryMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getCreateJoinTokenMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getCreateOAuthClientMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getListOAuthClientsMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getDeleteOAuthClientMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getGetOAuthClientMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getUpdateOAuthClientMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getRotateOAuthClientSecretMethod(), ADMIN)
                .allow(RegistryServiceGrpc.getRevokeX509SvidMethod(), ADMIN)
                // Its own trust domain's audit events, scoped by the endpoint (common's AuditServiceEndpoint).
                .allow(AuditServiceGrpc.getListAuditEventsMethod(), ADMIN)
                .standardServices()
                .build();
    }
}
