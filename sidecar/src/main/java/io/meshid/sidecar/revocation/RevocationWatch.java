package io.meshid.sidecar.revocation;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshid.common.revocation.BundleCrls;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import io.meshid.common.identity.Backoff;
import io.meshid.proto.common.v1.TrustBundle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link RevocationList} current from cert-authority's {@code WatchTrustBundle} stream:
 * over mutual TLS with the sidecar's current SVID (read at every handshake, so renewals need
 * nothing here), to the CA's exact SPIFFE ID. Every bundle the stream delivers (the current one
 * first, then one per change: cert-authority pushes a new bundle with its CRLs before
 * {@code RevokeCertificate} answers) replaces the list and confirms it. When the stream breaks or
 * the server ends it (its maximum connection age does that regularly), the list is marked lost
 * and the watch reconnects on a new channel after a jittered backoff; the list stays trusted for
 * its grace only. Thread-safe; {@link #close} stops it.
 */
public final class RevocationWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevocationWatch.class);

    private final SvidSource source;
    private final String host;
    private final int port;
    private final SpiffeId caId;
    private final RevocationList list;
    private final Consumer<TrustBundle> bundles;
    private final Backoff backoff;
    private final ScheduledExecutorService scheduler;
    private final AtomicInteger failures = new AtomicInteger();
    private final CountDownLatch firstBundle = new CountDownLatch(1);
    private volatile boolean closed;
    private ManagedChannel channel;
    private Context.CancellableContext context;

    private RevocationWatch(SvidSource source, String address, SpiffeId caId, RevocationList list, Backoff backoff,
            Consumer<TrustBundle> bundles) {
        this.source = Objects.requireNonNull(source, "source");
        this.bundles = Objects.requireNonNull(bundles, "bundles");
        this.caId = Objects.requireNonNull(caId, "caId");
        this.list = Objects.requireNonNull(list, "list");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1 || !address.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("cert-authority address: '" + address + "' (expected: host:port)");
        }
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshid-sidecar-revocations");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching cert-authority at {@code address} ({@code host:port}) for the trust domain of
     * {@code list}, and waits up to {@code firstWait} for the first bundle; the list stays not
     * loaded (every peer refused) until it arrives.
     */
    public static RevocationWatch start(SvidSource source, String address, SpiffeId caId, RevocationList list,
            Backoff backoff, Duration firstWait) {
        return start(source, address, caId, list, backoff, firstWait, bundle -> { });
    }

    /**
     * As {@link #start(SvidSource, String, SpiffeId, RevocationList, Backoff, Duration)}, and hands
     * every bundle the stream delivers to {@code bundles} as well (on the stream's thread, before
     * the list is updated; an exception it throws is logged and ignored), so that one
     * {@code WatchTrustBundle} stream keeps both the trust bundle and the revocations current: the
     * sidecar passes its {@code AttestedSvidSource}'s {@code acceptTrustBundle}.
     */
    public static RevocationWatch start(SvidSource source, String address, SpiffeId caId, RevocationList list,
            Backoff backoff, Duration firstWait, Consumer<TrustBundle> bundles) {
        RevocationWatch watch = new RevocationWatch(source, address, caId, list, backoff, bundles);
        watch.watch();
        try {
            if (!watch.firstBundle.await(firstWait.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("no trust bundle from cert-authority at {} within {}: peers are refused until it arrives", address,
                        firstWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return watch;
    }

    /** The list this watch keeps current. */
    public RevocationList list() {
        return list;
    }

    private synchronized void watch() {
        if (closed) {
            return;
        }
        ManagedChannel ch = NettyChannelBuilder.forAddress(host, port)
                .sslContext(TlsContexts.grpcClient(source, caId::equals))
                .keepAliveTime(1, TimeUnit.MINUTES)
                .build();
        Context.CancellableContext ctx = Context.current().withCancellation();
        channel = ch;
        context = ctx;
        ctx.run(() -> CertificateAuthorityGrpc.newStub(ch).watchTrustBundle(
                WatchTrustBundleRequest.newBuilder().setTrustDomain(list.trustDomain().name()).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchTrustBundleResponse value) {
                        failures.set(0);
                        try {
                            bundles.accept(value.getBundle());
                        } catch (RuntimeException e) {
                            LOG.warn("the trust bundle of sequence {} was not taken: {}", value.getBundle().getSequenceNumber(),
                                    e.getMessage());
                        }
                        try {
                            var serials = BundleCrls.revokedSerials(list.trustDomain(), value.getBundle());
                            if (list.update(value.getBundle().getSequenceNumber(), serials)) {
                                LOG.debug("revocations of {}: bundle sequence {}, {} revoked", list.trustDomain().name(),
                                        value.getBundle().getSequenceNumber(), serials.size());
                            }
                            firstBundle.countDown();
                        } catch (IllegalStateException e) {
                            // A list we cannot read is no confirmation: it runs out its grace like a lost stream.
                            LOG.warn("ignored a trust bundle from cert-authority: {}", e.getMessage());
                            list.feedLost("the last bundle's CRLs did not parse");
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended(ctx, Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended(ctx, Status.UNAVAILABLE.withDescription("the server ended the stream"));
                    }
                }));
    }

    private void ended(Context.CancellableContext ended, Status status) {
        synchronized (this) {
            if (closed || context != ended) {
                return;
            }
        }
        list.feedLost("the trust bundle watch at " + host + ":" + port + " ended: " + status.getCode()
                + (status.getDescription() == null ? "" : " " + status.getDescription()));
        int failed = failures.getAndIncrement();
        Duration delay = backoff.delay(failed);
        if (failed == 0) {
            // routine: cert-authority ends every stream at its maximum connection age
            LOG.debug("revocation watch ended ({}); reconnecting in {}", status, delay);
        } else {
            LOG.warn("revocation watch failed again ({}); reconnecting in {} ({})", status, delay, list);
        }
        try {
            scheduler.schedule(() -> {
                synchronized (this) {
                    if (context == ended) {
                        stop();
                        watch();
                    }
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("not rescheduled: closing");
        }
    }

    private synchronized void stop() {
        if (context != null) {
            context.cancel(null);
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        context = null;
        channel = null;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            stop();
        }
        scheduler.shutdownNow();
    }
}
