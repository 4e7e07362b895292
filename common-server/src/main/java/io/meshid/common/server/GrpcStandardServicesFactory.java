package io.meshid.common.server;

import io.grpc.BindableService;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

/**
 * The standard gRPC services every meshid server exposes beside its own: server reflection, so
 * that grpcurl, grpcui and Postman can list and call the rpcs without the .proto files. The
 * health service ({@code grpc.health.v1.Health}) comes from micronaut-grpc-health.
 */
@Factory
final class GrpcStandardServicesFactory {

    @Singleton
    @Named("reflection-v1")
    BindableService reflectionV1() {
        return ProtoReflectionServiceV1.newInstance();
    }

    /** The v1alpha name, still the only one that older grpcurl and grpc_cli releases ask for. */
    @Singleton
    @Named("reflection-v1alpha")
    @SuppressWarnings("deprecation")
    BindableService reflectionV1Alpha() {
        return ProtoReflectionService.newInstance();
    }
}
