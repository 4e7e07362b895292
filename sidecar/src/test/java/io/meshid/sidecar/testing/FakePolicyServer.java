package io.meshid.sidecar.testing;

import com.google.protobuf.Duration;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A real gRPC server (Netty, loopback, mutual TLS with an SVID) implementing meshid's
 * {@code PolicyService} with a rule the test sets: a predicate over the check. Counts checks, keeps
 * a policy version, and pushes it to every open {@code WatchPolicyVersion} stream when the test
 * activates a new rule. Can be made to fail every check. Thread-safe.
 */
public final class FakePolicyServer implements AutoCloseable {

    private final Server server;
    private volatile Predicate<CheckRequest> rule = r -> false;
    private final AtomicLong version = new AtomicLong(1);
    private final AtomicInteger checks = new AtomicInteger();
    private final List<StreamObserver<WatchPolicyVersionResponse>> watchers = new CopyOnWriteArrayList<>();
    private final Set<String> seenRequestIds = ConcurrentHashMap.newKeySet();
    private final List<CheckRequest> requests = new CopyOnWriteArrayList<>();
    private volatile long ttlSeconds = 60;
    private volatile Status failWith;

    public FakePolicyServer(SvidSource source) throws IOException {
        server = NettyServerBuilder.forPort(0)
                .sslContext(TlsContexts.grpcServer(source, ClientAuth.REQUIRE))
                .addService(new PolicyServiceGrpc.PolicyServiceImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
                        checks.incrementAndGet();
                        requests.add(request);
                        seenRequestIds.add(request.getRequestId());
                        Status failure = failWith;
                        if (failure != null) {
                            responses.onError(failure.asRuntimeException());
                            return;
                        }
                        boolean allow = rule.test(request);
                        responses.onNext(CheckResponse.newBuilder()
                                .setDecision(allow ? Decision.DECISION_ALLOW : Decision.DECISION_DENY)
                                .setPolicyVersion(version.get())
                                .setCacheTtl(Duration.newBuilder().setSeconds(ttlSeconds))
                                .build());
                        responses.onCompleted();
                    }

                    @Override
                    public void watchPolicyVersion(WatchPolicyVersionRequest request,
                            StreamObserver<WatchPolicyVersionResponse> responses) {
                        ((ServerCallStreamObserver<WatchPolicyVersionResponse>) responses).setOnCancelHandler(
                                () -> watchers.remove(responses));
                        watchers.add(responses);
                        send(responses, request.getTrustDomain());
                    }
                })
                .build()
                .start();
    }

    private void send(StreamObserver<WatchPolicyVersionResponse> to, String trustDomain) {
        synchronized (to) {
            to.onNext(WatchPolicyVersionResponse.newBuilder().setTrustDomain(trustDomain).setVersion(version.get()).build());
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Sets the rule without a new version (as if nothing changed: cached decisions stay valid). */
    public void setRuleQuietly(Predicate<CheckRequest> newRule) {
        this.rule = newRule;
    }

    /** Activates {@code newRule} as a new policy version and tells every watcher. */
    public void activate(Predicate<CheckRequest> newRule) {
        this.rule = newRule;
        version.incrementAndGet();
        for (StreamObserver<WatchPolicyVersionResponse> w : watchers) {
            try {
                send(w, "");
            } catch (RuntimeException e) {
                // a cancelled watcher; its cancel handler removes it
            }
        }
    }

    public void failChecksWith(Status status) {
        this.failWith = status;
    }

    public void ttlSeconds(long seconds) {
        this.ttlSeconds = seconds;
    }

    public int checks() {
        return checks.get();
    }

    public int watchers() {
        return watchers.size();
    }

    public List<CheckRequest> requests() {
        return List.copyOf(requests);
    }

    public void stop() {
        server.shutdownNow();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
