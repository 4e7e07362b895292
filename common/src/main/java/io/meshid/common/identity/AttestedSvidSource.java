package io.meshid.common.identity;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.KubernetesServiceAccountToken;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RenewX509SvidResponse;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's X.509-SVID and trust bundle, obtained from identity-server and kept fresh.
 *
 * <ul>
 *   <li><b>Attestation</b> ({@link #start}): a new ECDSA P-256 key is made in memory (never written
 *       anywhere), and {@code Attest} is called over TLS that verifies identity-server against the
 *       bootstrap bundle file and its expected SPIFFE ID, with no client certificate.
 *   <li><b>Renewal</b> at half of the SVID's lifetime plus up to a tenth of it at random (so that
 *       sidecars started together spread out), over mutual TLS with the current SVID on a new
 *       connection, with a new key each time (identity-server renews each SVID once and never for
 *       a used key). A failed renewal is retried with jittered backoff while the current SVID is
 *       valid; when identity-server refuses the renewal for good (the SVID was revoked, the entry
 *       removed) or the SVID expired unrenewed (identity-server was unreachable), a reusable
 *       evidence (Kubernetes token) attests again, over TLS without a client certificate; a join
 *       token cannot.
 *   <li><b>Trust bundle</b>: from the attestation and renewal replies, and pushed by the CA's
 *       {@code WatchTrustBundle} stream; a bundle with a lower sequence number than the one held is
 *       ignored. A broken stream reconnects with jittered backoff; the first message after a
 *       reconnect brings the bundle up to date.
 *   <li><b>Listeners</b> ({@link #addListener}) hear every change; TLS contexts built on this source
 *       ({@link TlsContexts}) read it at every handshake, so open connections are never dropped and
 *       new handshakes use the new SVID and bundle.
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops renewals and the watch.
 */
public final class AttestedSvidSource implements SvidSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AttestedSvidSource.class);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    /** How long {@link #start} keeps retrying an attestation that failed for a transient reason. */
    private static final Duration ATTEST_PATIENCE = Duration.ofMinutes(2);

    private final IdentityConfig config;
    private final StaticSvidSource state;
    private final ScheduledExecutorService scheduler;
    private final SslContext mtls;
    private final SwappableChannel identityServer;
    private final AtomicInteger watchFailures = new AtomicInteger();
    /** Whether this source keeps its own WatchTrustBundle stream (else its owner feeds it bundles). */
    private final boolean ownWatch;
    private volatile boolean closed;
    private volatile ManagedChannel watchChannel;
    private volatile Context.CancellableContext watchContext;

    private AttestedSvidSource(IdentityConfig config, X509Svid svid, X509Bundle bundle, boolean ownWatch) {
        this.config = config;
        this.ownWatch = ownWatch;
        this.state = new StaticSvidSource(svid, bundle);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshid-identity");
            t.setDaemon(true);
            return t;
        });
        this.mtls = TlsContexts.grpcClient(this, config.identityServerId()::equals);
        this.identityServer = new SwappableChannel(() -> channel(config.identityServer(), mtls));
    }

    /**
     * Attests to identity-server (blocking until it has an SVID), then starts renewals and the bundle
     * watch.
     *
     * @throws IllegalArgumentException when the bootstrap bundle file cannot be read or holds no certificate
     * @throws StatusRuntimeException when identity-server refuses the attestation (a used or unknown join
     *     token is {@code UNAUTHENTICATED}, no matching entry {@code PERMISSION_DENIED}), or it stayed
     *     unreachable for two minutes
     */
    public static AttestedSvidSource start(IdentityConfig config) {
        return start(config, true);
    }

    /**
     * As {@link #start(IdentityConfig)}; with {@code ownWatch} false the source opens no
     * {@code WatchTrustBundle} stream of its own and its owner hands it every bundle of one
     * ({@link #acceptTrustBundle}): the sidecar's {@code RevocationWatch} does, so one stream to
     * cert-authority serves the trust bundle and the revocations.
     */
    public static AttestedSvidSource start(IdentityConfig config, boolean ownWatch) {
        X509Bundle bootstrap = bootstrapBundle(config);
        ManagedChannel channel = channel(config.identityServer(), anonymousTls(bootstrap, config));
        try {
            Instant giveUp = config.clock().instant().plus(ATTEST_PATIENCE);
            for (int attempt = 0; ; attempt++) {
                KeyPair key = Svids.newKey();
                try {
                    AttestResponse reply = IdentityServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).attest(attestRequest(config, key));
                    X509Svid svid = Svids.svid(reply.getSvid(), key);
                    X509Bundle bundle = Svids.bundle(reply.getTrustBundle(), config.trustDomain());
                    LOG.info("attested as {} (entry {}), SVID serial {} valid until {}", svid.spiffeId(), reply.getEntryId(),
                            reply.getSvid().getSerialNumber(), svid.notAfter());
                    AttestedSvidSource source = new AttestedSvidSource(config, svid, bundle, ownWatch);
                    source.scheduleRenewal(svid);
                    if (ownWatch) {
                        source.watchBundle();
                    }
                    return source;
                } catch (StatusRuntimeException e) {
                    Duration delay = config.backoff().delay(attempt);
                    if (!retryable(e) || config.clock().instant().plus(delay).isAfter(giveUp)) {
                        throw e;
                    }
                    LOG.warn("attestation failed ({}), retrying in {}", e.getStatus(), delay);
                    sleep(delay);
                }
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Override
    public X509Svid svid() {
        return state.svid();
    }

    @Override
    public X509Bundle bundle() {
        return state.bundle();
    }

    @Override
    public void addListener(Runnable onChange) {
        state.addListener(onChange);
    }

    /**
     * A channel to identity-server over mutual TLS with the current SVID, for calls other than
     * renewal (e.g. {@code MintJwtSvid}); after each renewal its later calls go over a new connection.
     */
    public Channel identityServer() {
        return identityServer;
    }

    /** The configuration this source was started with. */
    public IdentityConfig config() {
        return config;
    }

    /** Renews now instead of at half life (an operator's request, or a test's); returns at once. */
    public void renewSoon() {
        scheduler.execute(() -> renew(0));
    }

    private void scheduleRenewal(X509Svid svid) {
        Duration lifetime = Duration.between(svid.notBefore(), svid.notAfter());
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, lifetime.toMillis() / 10));
        Instant at = svid.renewAt().plusMillis(jitter);
        long delay = Math.max(0, Duration.between(config.clock().instant(), at).toMillis());
        LOG.debug("renewal of {} scheduled at {}", svid, at);
        schedule(() -> renew(0), delay);
    }

    private void renew(int attempt) {
        if (closed) {
            return;
        }
        X509Svid current = state.svid();
        KeyPair key = Svids.newKey();
        // A new connection per renewal: it must present the current SVID, not the one an older
        // connection was made with (that one was renewed already, and a second renewal is refused).
        ManagedChannel channel = channel(config.identityServer(), mtls);
        try {
            RenewX509SvidResponse reply = IdentityServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(Svids.csr(key)).build());
            X509Svid next = Svids.svid(reply.getSvid(), key);
            installSvid(next, Svids.bundle(reply.getTrustBundle(), config.trustDomain()));
            LOG.info("renewed {}: serial {} valid until {}", next.spiffeId(), reply.getSvid().getSerialNumber(), next.notAfter());
        } catch (StatusRuntimeException e) {
            renewalFailed(current, attempt, e.getStatus());
        } catch (RuntimeException e) {
            renewalFailed(current, attempt, Status.INTERNAL.withDescription(e.getMessage()).withCause(e));
        } finally {
            channel.shutdownNow();
        }
    }

    private void renewalFailed(X509Svid current, int attempt, Status status) {
        if (closed) {
            return;
        }
        boolean refused = status.getCode() == Status.Code.PERMISSION_DENIED || status.getCode() == Status.Code.UNAUTHENTICATED;
        boolean expired = config.clock().instant().isAfter(current.notAfter());
        Duration delay = config.backoff().delay(attempt);
        if ((refused || expired) && config.evidence().reusable()) {
            LOG.warn("renewal of {} {} ({}); attesting again in {}", current, expired ? "failed past its expiry" : "refused",
                    status, delay);
            schedule(() -> reattest(0), delay.toMillis());
            return;
        }
        if (expired) {
            LOG.error("the SVID {} expired and cannot be renewed ({}); this process has no valid identity until it attests again",
                    current, status);
        } else {
            LOG.warn("renewal of {} failed ({}); retrying in {} (valid until {})", current, status, delay, current.notAfter());
        }
        schedule(() -> renew(attempt + 1), delay.toMillis());
    }

    private void reattest(int attempt) {
        if (closed) {
            return;
        }
        ManagedChannel channel = channel(config.identityServer(), anonymousTls(state.bundle(), config));
        KeyPair key = Svids.newKey();
        try {
            AttestResponse reply = IdentityServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).attest(attestRequest(config, key));
            X509Svid next = Svids.svid(reply.getSvid(), key);
            installSvid(next, Svids.bundle(reply.getTrustBundle(), config.trustDomain()));
            LOG.info("attested again as {}: serial {} valid until {}", next.spiffeId(), reply.getSvid().getSerialNumber(), next.notAfter());
        } catch (RuntimeException e) {
            Duration delay = config.backoff().delay(attempt);
            LOG.warn("attesting again failed ({}); retrying in {}", e.getMessage(), delay);
            schedule(() -> reattest(attempt + 1), delay.toMillis());
        } finally {
            channel.shutdownNow();
        }
    }

    private void installSvid(X509Svid next, X509Bundle replyBundle) {
        synchronized (this) {
            X509Bundle held = state.bundle();
            state.update(next, replyBundle.sequenceNumber() > held.sequenceNumber() ? replyBundle : held);
        }
        identityServer.swap();
        if (ownWatch) {
            restartWatch();
        }
        scheduleRenewal(next);
    }

    /**
     * Takes a trust bundle from cert-authority's {@code WatchTrustBundle} stream (one of a lower
     * sequence number than the one held is ignored), for a source started without its own watch.
     *
     * @throws IllegalArgumentException when the bundle is not one of this trust domain or holds no usable root
     */
    public void acceptTrustBundle(io.meshid.proto.common.v1.TrustBundle bundle) {
        acceptBundle(Svids.bundle(bundle, config.trustDomain()));
    }

    private void acceptBundle(X509Bundle bundle) {
        synchronized (this) {
            if (bundle.sequenceNumber() <= state.bundle().sequenceNumber() && bundle.equals(state.bundle())) {
                return;
            }
            if (bundle.sequenceNumber() < state.bundle().sequenceNumber()) {
                LOG.debug("ignored trust bundle sequence {} (holding {})", bundle.sequenceNumber(), state.bundle().sequenceNumber());
                return;
            }
            state.update(bundle);
        }
        LOG.info("trust bundle of {} is now sequence {} ({} authorities)", bundle.trustDomain().name(), bundle.sequenceNumber(),
                bundle.authorities().size());
    }

    private synchronized void restartWatch() {
        stopWatch();
        watchBundle();
    }

    private synchronized void stopWatch() {
        Context.CancellableContext context = watchContext;
        ManagedChannel channel = watchChannel;
        // Forgotten before it is cancelled: the stream's own onError then sees a watch that was
        // replaced on purpose, not one that broke (no warning, no reconnect).
        watchContext = null;
        watchChannel = null;
        if (context != null) {
            context.cancel(null);
        }
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    private synchronized void watchBundle() {
        if (closed) {
            return;
        }
        ManagedChannel channel = channel(config.certAuthority(), TlsContexts.grpcClient(this, config.certAuthorityId()::equals));
        Context.CancellableContext context = Context.current().withCancellation();
        watchChannel = channel;
        watchContext = context;
        context.run(() -> CertificateAuthorityGrpc.newStub(channel).watchTrustBundle(
                WatchTrustBundleRequest.newBuilder().setTrustDomain(config.trustDomain().name()).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchTrustBundleResponse value) {
                        watchFailures.set(0);
                        try {
                            acceptBundle(Svids.bundle(value.getBundle(), config.trustDomain()));
                        } catch (IllegalArgumentException e) {
                            LOG.warn("ignored a trust bundle from cert-authority: {}", e.getMessage());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        watchEnded(context, Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        watchEnded(context, Status.UNAVAILABLE.withDescription("the server ended the stream"));
                    }
                }));
    }

    private void watchEnded(Context.CancellableContext context, Status status) {
        if (closed || watchContext != context) {
            return;
        }
        Duration delay = config.backoff().delay(watchFailures.getAndIncrement());
        LOG.warn("trust bundle watch ended ({}); reconnecting in {}", status, delay);
        schedule(() -> {
            synchronized (this) {
                if (watchContext == context) {
                    restartWatch();
                }
            }
        }, delay.toMillis());
    }

    private void schedule(Runnable task, long delayMillis) {
        if (!closed) {
            try {
                scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("not scheduled: closing");
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        stopWatch();
        identityServer.close();
    }

    @Override
    public String toString() {
        return "AttestedSvidSource[" + state.svid() + ", " + state.bundle() + "]";
    }

    /**
     * TLS for {@code Attest}: the server verified against {@code bundle} and its expected SPIFFE ID,
     * no client certificate (attestation is anonymous, and an expired or revoked SVID presented
     * would fail the handshake).
     */
    private static SslContext anonymousTls(X509Bundle bundle, IdentityConfig config) {
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(new BootstrapTrustManager(bundle, config.identityServerId(), config.clock()))
                    .endpointIdentificationAlgorithm(null).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the attestation TLS context: " + e.getMessage(), e);
        }
    }

    private static AttestRequest attestRequest(IdentityConfig config, KeyPair key) {
        AttestRequest.Builder request = AttestRequest.newBuilder().setCsr(Svids.csr(key));
        config.spiffeId().ifPresent(id -> request.setSpiffeId(id.toString()));
        switch (config.evidence()) {
            case Evidence.JoinToken join -> request.setJoinToken(join.token());
            case Evidence.Kubernetes k8s -> {
                try {
                    request.setKubernetes(KubernetesServiceAccountToken.newBuilder().setCluster(k8s.cluster()).setToken(k8s.readToken()));
                } catch (IOException e) {
                    throw Status.FAILED_PRECONDITION.withDescription("cannot read the Kubernetes token: " + e.getMessage()).asRuntimeException();
                }
            }
        }
        return request.build();
    }

    private static X509Bundle bootstrapBundle(IdentityConfig config) {
        try {
            var roots = Pem.readCertificates(config.bootstrapBundle());
            if (roots.isEmpty()) {
                throw new IllegalArgumentException("bootstrap bundle " + config.bootstrapBundle()
                        + ": no certificate (expected: the PEM root certificates of " + config.trustDomain().name() + ")");
            }
            return X509Bundle.of(config.trustDomain(), roots, 0);
        } catch (IOException e) {
            throw new IllegalArgumentException("bootstrap bundle " + config.bootstrapBundle() + ": cannot read it (" + e.getMessage()
                    + "; expected: a readable PEM file of the trust domain's root certificates)", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bootstrap bundle " + config.bootstrapBundle() + ": no certificate it can use ("
                    + e.getMessage() + "; expected: the PEM root certificates of " + config.trustDomain().name() + ")", e);
        }
    }

    /**
     * A channel to {@code address}. Census stats and tracing are off: meshid ships neither, and
     * gRPC otherwise looks both up by {@code Class.forName} on every channel it builds (two failed
     * class lookups, each with its exception, per renewal).
     */
    private static ManagedChannel channel(String address, SslContext tls) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(IdentityConfig.host(address), IdentityConfig.port(address))
                .sslContext(tls).keepAliveTime(1, TimeUnit.MINUTES);
        InternalNettyChannelBuilder.setStatsEnabled(builder, false);
        InternalNettyChannelBuilder.setTracingEnabled(builder, false);
        return builder.build();
    }

    /** Transient failures are retried; a server that fails verification (wrong SPIFFE ID, other trust domain) is not. */
    private static boolean retryable(StatusRuntimeException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
                return false;
            }
        }
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.RESOURCE_EXHAUSTED;
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while attesting").asRuntimeException();
        }
    }
}
