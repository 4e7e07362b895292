package io.meshid.sidecar.decision;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.WatchPolicyVersionRequest;
import io.meshid.proto.policy.v1.WatchPolicyVersionResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@code WatchPolicyVersion} stream open to policy-server and reports every version it has
 * not seen before (the first message after each reconnection included). After a failure it
 * reconnects with jittered exponential backoff (100 ms doubling up to 10 s), except that a stream
 * that had delivered a version and lived at least {@value #HEALTHY_STREAM_MS} ms is replaced at
 * once: policy-server ends every connection at its maximum age (30 s, then 30 s of grace), and
 * while the watch is down every request of the sidecar asks {@code Check}, so the ordinary end of a
 * healthy stream should cost one round trip, not a backoff. {@link #isCurrent()}
 * says whether the stream is open and has delivered the current version. Thread-safe.
 */
final class PolicyVersionWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyVersionWatch.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 10_000;
    static final long HEALTHY_STREAM_MS = 1_000;

    private final PolicyServiceGrpc.PolicyServiceStub stub;
    private final TrustDomain trustDomain;
    private final LongConsumer onNewVersion;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "policy-version-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile long version = -1;
    private volatile boolean current;
    private volatile boolean closed;
    private long backoffMs = MIN_BACKOFF_MS;
    /** When the open stream delivered its first version (System.nanoTime), or 0 before that. */
    private long deliveredSince;
    private Context.CancellableContext call;

    PolicyVersionWatch(Channel channel, TrustDomain trustDomain, LongConsumer onNewVersion) {
        this.stub = PolicyServiceGrpc.newStub(channel);
        this.trustDomain = trustDomain;
        this.onNewVersion = onNewVersion;
    }

    void start() {
        timer.execute(this::connect);
    }

    boolean isCurrent() {
        return current;
    }

    long version() {
        return version;
    }

    private void connect() {
        if (closed) {
            return;
        }
        Context.CancellableContext context = Context.current().withCancellation();
        synchronized (this) {
            call = context;
        }
        context.run(() -> stub.watchPolicyVersion(
                WatchPolicyVersionRequest.newBuilder().setTrustDomain(trustDomain.name()).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchPolicyVersionResponse message) {
                        synchronized (PolicyVersionWatch.this) {
                            backoffMs = MIN_BACKOFF_MS;
                            if (deliveredSince == 0) {
                                deliveredSince = System.nanoTime();
                            }
                        }
                        long seen = message.getVersion();
                        if (seen != version) {
                            version = seen;
                            onNewVersion.accept(seen);
                        }
                        current = true;
                    }

                    @Override
                    public void onError(Throwable t) {
                        lost(t.toString());
                    }

                    @Override
                    public void onCompleted() {
                        lost("stream ended");
                    }
                }));
    }

    private void lost(String why) {
        current = false;
        if (closed) {
            return;
        }
        long delay;
        synchronized (this) {
            long healthyMs = deliveredSince == 0 ? -1 : (System.nanoTime() - deliveredSince) / 1_000_000;
            deliveredSince = 0;
            delay = retryDelayMs(backoffMs, healthyMs, ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        }
        LOG.warn("policy version watch lost ({}); reconnecting in {} ms, asking policy-server on every request meanwhile",
                why, delay);
        try {
            timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * The wait before reconnecting: none after a stream that delivered a version and lived at least
     * {@link #HEALTHY_STREAM_MS} ({@code healthyMs}, -1 when it delivered none), else half the
     * backoff plus {@code jitterMs} (0 to half the backoff). A server that ends every stream at once
     * still meets the backoff.
     */
    static long retryDelayMs(long backoffMs, long healthyMs, long jitterMs) {
        if (healthyMs >= HEALTHY_STREAM_MS) {
            return 0;
        }
        return backoffMs / 2 + jitterMs;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (call != null) {
                call.cancel(null);
            }
        }
        timer.shutdownNow();
    }
}
