package io.meshid.policy.grpc;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshid.common.authz.Grant;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.activation.ActivePolicies;
import io.meshid.policy.activation.PolicyVersion;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WatchPolicyVersion streams: the first message is the trust domain's current active version
 * (0 while it has none), then one message per newer activation that {@link ActivePolicies}
 * reports (never an older or repeated number). A caller needs an SVID of the trust domain and may
 * hold {@value #MAX_PER_CALLER} open watches; when the server shuts down every open stream ends
 * with UNAVAILABLE so that clients reconnect elsewhere. Thread-safe.
 */
@Singleton
final class VersionWatchStreams implements ApplicationEventListener<ServerShutdownEvent> {

    /** Most open watches per caller SPIFFE ID. */
    static final int MAX_PER_CALLER = 8;

    private final ActivePolicies policies;
    private final Map<SpiffeId, Integer> openPerCaller = new ConcurrentHashMap<>();
    private final Set<Watch> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    VersionWatchStreams(ActivePolicies policies) {
        this.policies = policies;
    }

    /** Serves one WatchPolicyVersion call. */
    void watch(WatchPolicyVersionRequest request, StreamObserver<WatchPolicyVersionResponse> response) {
        TrustDomain domain = PolicyAdminMessages.trustDomain(request.getTrustDomain());
        SpiffeId caller = Grant.current().requireMemberOf(domain, "watch the policy version");
        if (closing) {
            throw new MeshidException.Unavailable("policy-server is shutting down (expected: reconnect to another replica)", null);
        }
        Integer count = openPerCaller.merge(caller, 1, Integer::sum);
        if (count > MAX_PER_CALLER) {
            release(caller);
            throw new MeshidException.ResourceExhausted("caller " + caller + " has " + MAX_PER_CALLER
                    + " open watches (expected: at most " + MAX_PER_CALLER + "; close one first)");
        }
        Watch watch = new Watch(domain, caller, (ServerCallStreamObserver<WatchPolicyVersionResponse>) response);
        open.add(watch);
        watch.observer.setOnCancelHandler(watch::end);
        watch.attach(policies.watch(domain, change -> watch.send(change.version(), change.activatedAt())));
        Optional<PolicyVersion> current;
        try {
            current = policies.active(domain);
        } catch (MeshidException e) {
            watch.fail(ErrorMappingInterceptor.toStatus(e));
            return;
        }
        watch.send(current.map(PolicyVersion::version).orElse(0L), current.map(PolicyVersion::activatedAt).orElse(null));
    }

    /** How many watches are open now (for tests and metrics). */
    int openWatches() {
        return open.size();
    }

    @Override
    public void onApplicationEvent(ServerShutdownEvent event) {
        shutdown();
    }

    @PreDestroy
    void shutdown() {
        closing = true;
        for (Watch watch : open) {
            watch.fail(Status.UNAVAILABLE.withDescription("policy-server is shutting down (expected: reconnect with backoff)"));
        }
    }

    private void release(SpiffeId caller) {
        openPerCaller.computeIfPresent(caller, (id, n) -> n <= 1 ? null : n - 1);
    }

    /** One open stream; sends are serialized and only ever move the version forward. */
    private final class Watch {
        final TrustDomain domain;
        final SpiffeId caller;
        final ServerCallStreamObserver<WatchPolicyVersionResponse> observer;
        private ActivePolicies.Subscription subscription;
        private long lastSent = -1;
        private boolean ended;

        Watch(TrustDomain domain, SpiffeId caller, ServerCallStreamObserver<WatchPolicyVersionResponse> observer) {
            this.domain = domain;
            this.caller = caller;
            this.observer = observer;
        }

        /** Keeps the listener's registration, or drops it at once when the client has gone already. */
        synchronized void attach(ActivePolicies.Subscription s) {
            if (ended) {
                s.close();
            } else {
                subscription = s;
            }
        }

        synchronized void send(long version, Instant activatedAt) {
            if (ended || version <= lastSent) {
                return;
            }
            lastSent = version;
            var message = WatchPolicyVersionResponse.newBuilder().setTrustDomain(domain.name()).setVersion(version);
            if (version > 0 && activatedAt != null) {
                message.setActivatedAt(Timestamp.newBuilder().setSeconds(activatedAt.getEpochSecond()).setNanos(activatedAt.getNano()));
            }
            try {
                observer.onNext(message.build());
            } catch (RuntimeException cancelled) {
                end();
            }
        }

        synchronized void fail(Status status) {
            if (ended) {
                return;
            }
            end();
            try {
                observer.onError(status.asRuntimeException());
            } catch (RuntimeException alreadyClosed) {
                // the client went away first
            }
        }

        synchronized void end() {
            if (ended) {
                return;
            }
            ended = true;
            if (subscription != null) {
                subscription.close();
            }
            open.remove(this);
            release(caller);
        }
    }
}
