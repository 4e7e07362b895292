package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Status;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.authz.AuthorizationInterceptor;
import io.meshid.common.authz.AuthorizationTable;
import io.meshid.common.authz.AuthorizationTables;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * policy-server's authorization table on the real server over mutual TLS: every bound rpc has an
 * entry, and an SVID the CA marked admin (an entry-flagged admin of identity-server's registry) is
 * an admin of its trust domain here too, while the same SPIFFE ID without the mark is refused and
 * the refusal audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyAuthorizationTest {

    private static final String TEAM = "spiffe://pol.test/team/platform";

    private PolicyServer server;

    @BeforeAll
    void start() {
        server = new PolicyServer(Map.of());
    }

    @AfterAll
    void stop() throws InterruptedException {
        server.close();
    }

    @Test
    void everyBoundRpc_hasAnEntryInTheTable() {
        var grpc = server.context().getBean(GrpcEmbeddedServer.class).getServer();

        assertThat(grpc.getServices()).extracting(s -> s.getServiceDescriptor().getName()).contains("meshid.policy.v1.PolicyService",
                "meshid.policy.v1.PolicyAdminService", "envoy.service.auth.v3.Authorization", "grpc.health.v1.Health");
        assertThat(AuthorizationTables.missing(grpc, server.context().getBean(AuthorizationTable.class))).isEmpty();
    }

    @Test
    void anEntryFlaggedAdmin_isAnAdminHere_theSameIdWithoutTheMark_isNot() {
        Instant before = Instant.now().minusSeconds(1);
        var request = ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build();

        PolicyAdminServiceGrpc.newBlockingStub(server.channelAs(TEAM, true)).listPolicyVersions(request);
        Throwable unmarked = catchThrowable(() -> PolicyAdminServiceGrpc.newBlockingStub(server.channelAs(TEAM, false))
                .listPolicyVersions(request));

        assertThat(Status.fromThrowable(unmarked).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(server.context().getBean(AuditLog.class).find(new AuditQuery(PolicyServer.DOMAIN, before,
                Optional.of(AuthorizationInterceptor.ACTION), 100))).anySatisfy(e -> {
                    assertThat(e.actor()).isEqualTo(TEAM);
                    assertThat(e.target()).isEqualTo("meshid.policy.v1.PolicyAdminService/ListPolicyVersions");
                });
    }
}
