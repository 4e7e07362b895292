package io.meshid.identity.grpc;

import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceImplBase;
import jakarta.inject.Singleton;

/**
 * The {@code meshid.identity.v1.RegistryService} gRPC service (admin): trust domains, entries, join tokens, OAuth clients.
 *
 * <p>Registered so that the service is listed by reflection and reachable at its final address;
 * until its issue lands every rpc answers {@code UNIMPLEMENTED} (the generated base class's
 * behaviour), which clients treat as "not available here".
 */
@Singleton
final class RegistryServiceEndpoint extends RegistryServiceImplBase {
}
