package io.meshid.policy.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.revocation.RevocationFeed;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.tls.X509Svid;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.ListPolicyVersionsRequest;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two policy-server replicas sharing Redis: a revocation announced by one process (cert-authority
 * and identity-server announce every revocation there) is refused by the other on a connection
 * opened before it.
 */
@RequiresRedis
class RedisRevokedCallerTest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisRevokedCallerTest.class);

    private static final String ADMIN = "spiffe://" + PolicyServer.DOMAIN + "/meshid/admin";
    private static final ListPolicyVersionsRequest LIST = ListPolicyVersionsRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).build();

    @Test
    void aRevocationAnnouncedByAnotherProcess_throughRedis_isRefusedOnThisReplica() throws Exception {
        Map<String, Object> redis = Map.of("meshid.redis.uri", ExternalServices.redisUri());
        try (PolicyServer announcer = new PolicyServer(redis); PolicyServer replica = new PolicyServer(redis)) {
            X509Svid svid = replica.pki().leaf(ADMIN).issue().svid();
            ManagedChannel open = replica.channelWith(svid);
            var admin = PolicyAdminServiceGrpc.newBlockingStub(open).withDeadlineAfter(10, TimeUnit.SECONDS);
            admin.listPolicyVersions(LIST);

            long start = System.nanoTime();
            announcer.context().getBean(RevocationFeed.class).announce(new RevokedSerial(TrustDomain.of(PolicyServer.DOMAIN),
                    svid.leaf().getSerialNumber(), svid.leaf().getNotAfter().toInstant()));
            StatusRuntimeException refused = null;
            while (refused == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                try {
                    admin.listPolicyVersions(LIST);
                    TimeUnit.MILLISECONDS.sleep(5);
                } catch (StatusRuntimeException e) {
                    refused = e;
                }
            }

            assertThat(refused).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            LOG.info("revocation through Redis refused by the other replica after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        }
    }
}
