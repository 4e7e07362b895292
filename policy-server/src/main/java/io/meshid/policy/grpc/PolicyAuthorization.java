package io.meshid.policy.grpc;

import static io.meshid.common.authz.CallerClass.ADMIN;
import static io.meshid.common.authz.CallerClass.AUTHENTICATED;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.meshid.common.authz.AuthorizationTable;
import io.meshid.proto.common.v1.AuditServiceGrpc;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/**
 * policy-server's authorization table: who may call each rpc, applied to every call by
 * {@code io.meshid.common.authz.AuthorizationInterceptor} (docs/api.md mirrors it). Decisions take
 * any SVID, and the decision service answers only for the caller's own resources unless it is an
 * admin of their trust domain; policy administration takes admins, each scoped to its own trust
 * domain by the endpoint; watching a version takes an SVID of that trust domain.
 */
@Factory
final class PolicyAuthorization {

    @Singleton
    AuthorizationTable table() {
        return AuthorizationTable.builder()
                .allow(PolicyServiceGrpc.getCheckMethod(), AUTHENTICATED)
                .allow(PolicyServiceGrpc.getBatchCheckMethod(), AUTHENTICATED)
                .allow(PolicyServiceGrpc.getWatchPolicyVersionMethod(), AUTHENTICATED)
                .allow(AuthorizationGrpc.getCheckMethod(), AUTHENTICATED)
                .allow(PolicyAdminServiceGrpc.getPutPolicySetMethod(), ADMIN)
                .allow(PolicyAdminServiceGrpc.getValidatePolicySetMethod(), ADMIN)
                .allow(PolicyAdminServiceGrpc.getGetPolicySetMethod(), ADMIN)
                .allow(PolicyAdminServiceGrpc.getListPolicyVersionsMethod(), ADMIN)
                .allow(PolicyAdminServiceGrpc.getRollbackMethod(), ADMIN)
                // Its own trust domain's audit events, scoped by the endpoint (common's AuditServiceEndpoint).
                .allow(AuditServiceGrpc.getListAuditEventsMethod(), ADMIN)
                .standardServices()
                .build();
    }
}
