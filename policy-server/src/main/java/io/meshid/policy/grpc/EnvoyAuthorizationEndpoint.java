package io.meshid.policy.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.AuthorizationImplBase;
import jakarta.inject.Singleton;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization} (ext_authz) on policy-server, so that a stock Envoy or an Istio {@code CUSTOM} provider can ask for decisions.
 *
 * <p>Registered so that the service is listed by reflection and reachable at its final address;
 * until its issue lands every rpc answers {@code UNIMPLEMENTED} (the generated base class's
 * behaviour), which clients treat as "not available here".
 */
@Singleton
final class EnvoyAuthorizationEndpoint extends AuthorizationImplBase {
}
