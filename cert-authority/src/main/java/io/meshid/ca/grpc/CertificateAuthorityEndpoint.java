package io.meshid.ca.grpc;

import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityImplBase;
import jakarta.inject.Singleton;

/**
 * The {@code meshid.ca.v1.CertificateAuthority} gRPC service: SVID signing, trust bundles, rotation.
 *
 * <p>Registered so that the service is listed by reflection and reachable at its final address;
 * until its issue lands every rpc answers {@code UNIMPLEMENTED} (the generated base class's
 * behaviour), which clients treat as "not available here".
 */
@Singleton
final class CertificateAuthorityEndpoint extends CertificateAuthorityImplBase {
}
