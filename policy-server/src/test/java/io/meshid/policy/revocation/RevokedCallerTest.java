package io.meshid.policy.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.meshid.common.revocation.RevocationFeed;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.X509Svid;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A revoked X.509-SVID on a connection opened before the revocation: policy-server refuses its
 * next call.
 */
class RevokedCallerTest {

    private static final String ADMIN = "spiffe://" + PolicyServer.DOMAIN + "/meshid/admin";
    private static final ListPolicyVersionsRequest LIST = ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build();

    @Test
    void aRevokedSvid_onAnOpenConnection_isRefusedOnItsNextCall() throws Exception {
        try (PolicyServer server = new PolicyServer(Map.of())) {
            X509Svid svid = server.pki().leaf(ADMIN).issue().svid();
            var admin = PolicyAdminServiceGrpc.newBlockingStub(server.channelWith(svid)).withDeadlineAfter(10, TimeUnit.SECONDS);
            admin.listPolicyVersions(LIST);

            server.context().getBean(RevocationFeed.class).announce(new RevokedSerial(TrustDomain.of(PolicyServer.DOMAIN),
                    svid.leaf().getSerialNumber(), svid.leaf().getNotAfter().toInstant()));

            assertThatThrownBy(() -> admin.listPolicyVersions(LIST)).satisfies(e -> {
                assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(Status.fromThrowable(e).getDescription()).contains("is revoked").contains(ADMIN);
            });
            // Another SVID of the same identity is not affected.
            PolicyAdminServiceGrpc.newBlockingStub(server.channelAs(ADMIN)).withDeadlineAfter(10, TimeUnit.SECONDS).listPolicyVersions(LIST);
        }
    }
}
