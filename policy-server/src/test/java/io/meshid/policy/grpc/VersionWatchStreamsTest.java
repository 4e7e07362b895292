package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshid.policy.store.TestSources;
import io.meshid.policy.testing.PolicyServer;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.PolicySetSource;
import io.meshid.proto.policy.v1.PutPolicySetRequest;
import io.meshid.proto.policy.v1.RollbackRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * WatchPolicyVersion on the real server over mutual TLS: the current version first, then every
 * activation; who may watch; the per-caller bound; UNAVAILABLE when the server shuts down.
 */
class VersionWatchStreamsTest {

    private static final String WORKLOAD = "spiffe://pol.test/ns/a/sa/watcher";

    /** Collects a stream's messages and how it ended. */
    private static final class Collector implements StreamObserver<WatchPolicyVersionResponse> {
        final BlockingQueue<WatchPolicyVersionResponse> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();

        @Override
        public void onNext(WatchPolicyVersionResponse value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }

        WatchPolicyVersionResponse next() throws InterruptedException {
            WatchPolicyVersionResponse m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }

        Status ended() throws Exception {
            return end.get(10, TimeUnit.SECONDS);
        }
    }

    private static Collector watch(ManagedChannel channel, String trustDomain) {
        Collector c = new Collector();
        PolicyServiceGrpc.newStub(channel).watchPolicyVersion(WatchPolicyVersionRequest.newBuilder().setTrustDomain(trustDomain).build(), c);
        return c;
    }

    private static PutPolicySetRequest put(String policies) {
        return PutPolicySetRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN)
                .setSource(PolicySetSource.newBuilder().setSchemaCedar(TestSources.SCHEMA).setPolicies(policies)).build();
    }

    @Test
    void watch_startsWithTheCurrentVersion_thenReportsEachActivation_butNotShadows() throws Exception {
        try (PolicyServer server = new PolicyServer(Map.of())) {
            var admin = PolicyAdminServiceGrpc.newBlockingStub(server.channelAs("spiffe://pol.test/meshid/admin"));
            Collector c = watch(server.channelAs(WORKLOAD), PolicyServer.DOMAIN);

            WatchPolicyVersionResponse first = c.next();
            assertThat(first.getVersion()).isZero();
            assertThat(first.getTrustDomain()).isEqualTo(PolicyServer.DOMAIN);
            assertThat(first.hasActivatedAt()).isFalse();

            admin.putPolicySet(put(TestSources.POLICIES));
            WatchPolicyVersionResponse one = c.next();
            assertThat(one.getVersion()).isEqualTo(1);
            assertThat(one.hasActivatedAt()).isTrue();

            admin.putPolicySet(put(TestSources.POLICIES).toBuilder().setShadow(true).build());
            admin.rollback(RollbackRequest.newBuilder().setTrustDomain(PolicyServer.DOMAIN).setTargetVersion(2).build());
            assertThat(c.next().getVersion()).isEqualTo(3);
            assertThat(c.messages).isEmpty();

            Collector late = watch(server.channelAs(WORKLOAD), PolicyServer.DOMAIN);
            assertThat(late.next().getVersion()).isEqualTo(3);
        }
    }

    @Test
    void watch_isRefusedOutsideTheCallersTrustDomain_andForAMalformedOne() throws Exception {
        try (PolicyServer server = new PolicyServer(Map.of())) {
            ManagedChannel channel = server.channelAs(WORKLOAD);
            Status other = watch(channel, "other.test").ended();
            assertThat(other.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(other.getDescription()).contains(WORKLOAD).contains("other.test");
            Status bad = watch(channel, "Not A Domain").ended();
            assertThat(bad.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(bad.getDescription()).startsWith("trust_domain: ");
        }
    }

    @Test
    void ninthWatchOfOneCaller_isResourceExhausted_untilOneCloses() throws Exception {
        try (PolicyServer server = new PolicyServer(Map.of())) {
            ManagedChannel channel = server.channelAs(WORKLOAD);
            List<Context.CancellableContext> contexts = new ArrayList<>();
            for (int i = 0; i < VersionWatchStreams.MAX_PER_CALLER; i++) {
                Context.CancellableContext ctx = Context.current().withCancellation();
                contexts.add(ctx);
                Collector c = ctx.call(() -> watch(channel, PolicyServer.DOMAIN));
                assertThat(c.next().getVersion()).isZero();
            }
            Status ninth = watch(channel, PolicyServer.DOMAIN).ended();
            assertThat(ninth.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(ninth.getDescription()).contains("8 open watches");

            Collector another = watch(server.channelAs("spiffe://pol.test/ns/b/sa/other"), PolicyServer.DOMAIN);
            assertThat(another.next().getVersion()).isZero();

            contexts.get(0).cancel(null);
            VersionWatchStreams streams = server.context().getBean(VersionWatchStreams.class);
            io.meshid.policy.activation.Await.until("the cancelled watch is released", java.time.Duration.ofSeconds(10),
                    () -> streams.openWatches() == VersionWatchStreams.MAX_PER_CALLER);
            assertThat(watch(channel, PolicyServer.DOMAIN).next().getVersion()).isZero();
        }
    }

    @Test
    void serverShutdown_endsOpenWatchesWithUnavailable() throws Exception {
        try (PolicyServer server = new PolicyServer(Map.of())) {
            Collector c = watch(server.channelAs(WORKLOAD), PolicyServer.DOMAIN);
            assertThat(c.next().getVersion()).isZero();
            server.stop();
            Status end = c.ended();
            assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(end.getDescription()).contains("policy-server is shutting down");
        }
    }
}
