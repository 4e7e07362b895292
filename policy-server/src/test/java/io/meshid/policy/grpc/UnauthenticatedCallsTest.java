package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.activation.ActivePolicies;
import io.meshid.policy.store.PolicyStore;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Calls without a caller identity (which mutual TLS never lets through; here the in-process
 * transport stands in for a server in plaintext mode) are UNAUTHENTICATED on both services.
 */
class UnauthenticatedCallsTest {

    @Test
    void callsWithoutACallerIdentity_areUnauthenticated() throws Exception {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "policy-server"));
        p.put("meshid.trust-domain", "anon.test");
        try (ApplicationContext context = ApplicationContext.run(p)) {
            io.meshid.common.authz.AuthorizationInterceptor authorization =
                    context.getBean(io.meshid.common.authz.AuthorizationInterceptor.class);
            String name = InProcessServerBuilder.generateName();
            Server server = InProcessServerBuilder.forName(name).directExecutor()
                    .addService(ServerInterceptors.intercept(new PolicyAdminServiceEndpoint(context.getBean(PolicyStore.class)),
                            new ErrorMappingInterceptor(), authorization))
                    .addService(ServerInterceptors.intercept(new PolicyServiceEndpoint(
                            context.getBean(io.meshid.policy.decision.DecisionService.class),
                            context.getBean(io.meshid.policy.PolicyConfig.class),
                            new VersionWatchStreams(context.getBean(ActivePolicies.class))), new ErrorMappingInterceptor(), authorization))
                    .build().start();
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            try {
                Throwable list = catchThrowable(() -> PolicyAdminServiceGrpc.newBlockingStub(channel)
                        .listPolicyVersions(ListPolicyVersionsRequest.newBuilder().setTrustDomain("anon.test").build()));
                assertThat(Status.fromThrowable(list).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                Throwable watch = catchThrowable(() -> PolicyServiceGrpc.newBlockingStub(channel)
                        .watchPolicyVersion(WatchPolicyVersionRequest.newBuilder().setTrustDomain("anon.test").build()).next());
                assertThat(Status.fromThrowable(watch).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
    }
}
