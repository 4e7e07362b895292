package io.meshid.ca.grpc;

import static io.meshid.common.authz.CallerClass.ADMIN;
import static io.meshid.common.authz.CallerClass.ANONYMOUS;
import static io.meshid.common.authz.CallerClass.AUTHENTICATED;
import static io.meshid.common.authz.CallerClass.SIGNER;
import static io.meshid.common.authz.CallerClass.SYSTEM_ADMIN;

import io.meshid.ca.CaConfig;
import io.meshid.common.authz.AuthorizationTable;
import io.meshid.common.authz.SignerIdentities;
import io.meshid.proto.common.v1.AuditServiceGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * cert-authority's authorization table: who may call each rpc, applied to every call by
 * {@code io.meshid.common.authz.AuthorizationInterceptor} (docs/api.md mirrors it). The classes
 * are of the caller alone; the endpoint then scopes by the request's trust domain: an admin acts
 * in its own trust domain, a signer in its own or, from the CA's own trust domain, in every one
 * it serves. Signers are the paths of {@code meshid.ca.signers} (identity-server's by default).
 */
@Factory
final class CaAuthorization {

    @Singleton
    AuthorizationTable table() {
        return AuthorizationTable.builder()
                .allow(CertificateAuthorityGrpc.getSignX509SvidMethod(), SIGNER, ADMIN)
                .allow(CertificateAuthorityGrpc.getGetTrustBundleMethod(), AUTHENTICATED)
                .allow(CertificateAuthorityGrpc.getWatchTrustBundleMethod(), AUTHENTICATED)
                .allow(CertificateAuthorityGrpc.getRotateAuthorityMethod(), ADMIN)
                .allow(CertificateAuthorityGrpc.getRevokeCertificateMethod(), SIGNER, ADMIN)
                .allow(CertificateAuthorityGrpc.getEnsureTrustDomainMethod(), SIGNER, SYSTEM_ADMIN)
                .allow(CertificateAuthorityGrpc.getListIssuedMethod(), ADMIN)
                // The servers' own identities (ServerIdentityEndpoint): a server join token is the
                // credential of Attest; RenewX509Svid is for a server's own SVID, which the domain checks.
                .allow(IdentityServiceGrpc.getAttestMethod(), ANONYMOUS)
                .allow(IdentityServiceGrpc.getRenewX509SvidMethod(), AUTHENTICATED)
                // Its own trust domain's audit events, scoped by the endpoint (common's AuditServiceEndpoint).
                .allow(AuditServiceGrpc.getListAuditEventsMethod(), ADMIN)
                .standardServices()
                .build();
    }

    @Singleton
    SignerIdentities signers(CaConfig config) {
        Set<String> paths = Set.copyOf(config.getSigners());
        return caller -> paths.contains(caller.path());
    }
}
