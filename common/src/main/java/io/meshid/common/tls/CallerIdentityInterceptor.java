package io.meshid.common.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshid.common.spiffe.SpiffeId;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.order.Ordered;
import io.micronaut.core.util.SupplierUtil;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Checks the caller of every gRPC call, not once per connection, and puts its SPIFFE ID in the
 * gRPC {@link Context} ({@link CallerIdentity#current()}). The caller is the client X.509-SVID
 * that the TLS handshake verified ({@link SpiffeTrustManager}); on every call it must also still
 * be valid:
 *
 * <ul>
 *   <li>its chain verifies against the server's <em>current</em> trust bundle ({@link SvidVerifier}):
 *       a caller whose authority left the bundle (rotated out, compromised) is refused on its next
 *       call over a connection that is already open. The verdict is cached in the TLS session for
 *       the bundle it was reached with, so a call costs one map read and one clock read until the
 *       bundle changes;
 *   <li>no certificate of its chain (leaf, intermediates, the authority it chains to) has expired,
 *       by the injected {@link Clock};
 *   <li>every {@link PeerCheck} bean (such as a revocation check) lets it through: the hook for
 *       further per-call checks, asked on every call after the two above.
 * </ul>
 *
 * A refused call is closed with {@code UNAUTHENTICATED} and the reason. A streaming call is checked
 * again before each message it sends or receives, and is closed with {@code UNAUTHENTICATED} when
 * its caller's chain expires, even if nothing is sent then.
 *
 * <p>A call without a client SVID is refused with {@code UNAUTHENTICATED} unless its full method
 * name is one of the anonymous methods ({@code meshid.tls.anonymous-methods}); such a call runs
 * with no identity. A caller that presents an SVID must present a valid one, even to an anonymous
 * method. In plaintext mode ({@code meshid.tls.mode=plaintext}) every call runs with no identity,
 * and whatever needs one is denied by the code that asks.
 *
 * <p>Runs right after {@code RequestIdServerInterceptor}, so refusals carry a request id. Code that
 * must know the caller before the interceptors run (a server's {@code InlineCalls}) asks
 * {@link #callerOf(ServerCall)}, which applies the same checks. Thread-safe.
 */
@Singleton
public final class CallerIdentityInterceptor implements ServerInterceptor, Ordered {

    private static final String SESSION_KEY = CallerIdentityInterceptor.class.getName();
    private static final Verdict NO_CERTIFICATE = new Verdict(null, null, null, null);

    private final boolean plaintext;
    private final Set<String> anonymousMethods;
    private final Supplier<SvidSource> source;
    private final Clock clock;
    private final List<PeerCheck> checks;
    private final List<CallRefusalListener> listeners;
    private final SvidVerifier verifier = new SvidVerifier();

    @Inject
    CallerIdentityInterceptor(TlsConfig config, BeanProvider<SvidSource> sources, Clock clock, List<PeerCheck> checks,
            List<CallRefusalListener> listeners) {
        this(config.getMode() == TlsConfig.Mode.PLAINTEXT, Set.copyOf(config.getAnonymousMethods()),
                SupplierUtil.memoized(sources::get), clock, checks, listeners);
    }

    private CallerIdentityInterceptor(boolean plaintext, Set<String> anonymousMethods, Supplier<SvidSource> source, Clock clock,
            List<PeerCheck> checks, List<CallRefusalListener> listeners) {
        this.plaintext = plaintext;
        this.anonymousMethods = anonymousMethods;
        this.source = source;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checks = List.copyOf(checks);
        this.listeners = List.copyOf(listeners);
    }

    /**
     * For servers built by hand: requires a valid client SVID under {@code source}'s current bundle,
     * judged by {@code clock}, on every method but {@code anonymousMethods}, and passes each caller
     * through {@code checks}.
     */
    public static CallerIdentityInterceptor requiringSvid(Set<String> anonymousMethods, SvidSource source, Clock clock,
            List<PeerCheck> checks) {
        Objects.requireNonNull(source, "source");
        return new CallerIdentityInterceptor(false, Set.copyOf(anonymousMethods), () -> source, clock, checks, List.of());
    }

    /** Just after meshid's request-id interceptor, which runs first. */
    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE + 2;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (plaintext) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Verdict verdict = verdictOf(session);
        if (verdict == NO_CERTIFICATE) {
            if (anonymousMethods.contains(method)) {
                return next.startCall(call, headers);
            }
            return refuse(call, Optional.empty(), "a client X.509-SVID is required for " + method);
        }
        String refusal = refusal(verdict);
        if (refusal != null) {
            return refuse(call, claimed(verdict), refusal);
        }
        VerifiedPeer peer = verdict.peer();
        Context context = Context.current().withValue(CallerIdentity.KEY, peer.spiffeId())
                .withValue(CallerIdentity.CERTIFICATE_KEY, peer.leaf());
        if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
            return Contexts.interceptCall(context, call, headers, next);
        }
        Guarded<Q, R> guarded = new Guarded<>(call, session, peer.notAfter());
        ServerCall.Listener<Q> listener = Contexts.interceptCall(context, guarded, headers, next);
        guarded.arm();
        return guarded.listen(listener);
    }

    /**
     * The caller of {@code call} when it passes every check of {@link #interceptCall}: a client SVID
     * valid now under the current bundle, and every {@link PeerCheck}. Empty for a call without a
     * client SVID, for a refused one, and in plaintext mode. For code that runs before the
     * interceptors, such as a server's {@code InlineCalls}; handlers use {@link Callers#require()}.
     */
    public Optional<SpiffeId> callerOf(ServerCall<?, ?> call) {
        if (plaintext) {
            return Optional.empty();
        }
        Verdict verdict = verdictOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (verdict == NO_CERTIFICATE || refusal(verdict) != null) {
            return Optional.empty();
        }
        return Optional.of(verdict.peer().spiffeId());
    }

    /**
     * What {@code session}'s peer chain is worth under the current bundle: read from the session
     * when it was reached for this very leaf and bundle, else verified now and kept there.
     */
    private Verdict verdictOf(SSLSession session) {
        if (session == null) {
            return NO_CERTIFICATE;
        }
        Object kept = session.getValue(SESSION_KEY);
        if (kept == NO_CERTIFICATE) {
            // Found on an earlier call over this connection: a session's peer chain is fixed when its
            // handshake ends (servers never resume), so asking again would only throw again.
            return NO_CERTIFICATE;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noCertificate) {
            session.putValue(SESSION_KEY, NO_CERTIFICATE);
            return NO_CERTIFICATE;
        }
        if (chain == null || chain.length == 0) {
            session.putValue(SESSION_KEY, NO_CERTIFICATE);
            return NO_CERTIFICATE;
        }
        X509Bundle bundle = source.get().bundle();
        if (kept instanceof Verdict known && known.leaf() == chain[0]) {
            if (known.bundle() == bundle) {
                return known;
            }
            if (known.bundle().equals(bundle)) {
                // The same bundle re-read (the SVID files changed, not the authorities): no new verification.
                Verdict same = new Verdict(known.leaf(), bundle, known.peer(), known.refusal());
                session.putValue(SESSION_KEY, same);
                return same;
            }
        }
        Verdict fresh = fromHandshake(session, chain, bundle);
        if (fresh == null) {
            fresh = verify(chain, bundle);
        }
        session.putValue(SESSION_KEY, fresh);
        return fresh;
    }

    /** The verdict of the handshake's own verification of this very chain under this bundle ({@link HandshakeVerification}), or null. */
    private static Verdict fromHandshake(SSLSession session, Certificate[] chain, X509Bundle bundle) {
        HandshakeVerification kept = HandshakeVerification.of(session, chain, bundle);
        if (kept == null) {
            return null;
        }
        List<X509Certificate> certificates = new ArrayList<>(chain.length);
        for (Certificate certificate : chain) {
            certificates.add((X509Certificate) certificate); // equal to the kept X.509 chain, so X.509 too
        }
        return new Verdict(chain[0], bundle, new VerifiedPeer(kept.verified().spiffeId(), certificates, kept.verified().notAfter()), null);
    }

    private Verdict verify(Certificate[] chain, X509Bundle bundle) {
        List<X509Certificate> certificates = new ArrayList<>(chain.length);
        for (Certificate certificate : chain) {
            if (!(certificate instanceof X509Certificate x509)) {
                return new Verdict(chain[0], bundle, null, "the client certificate chain holds a " + certificate.getType()
                        + " certificate (expected: an X.509-SVID chain)");
            }
            certificates.add(x509);
        }
        try {
            SvidVerifier.Verified verified = verifier.check(certificates, bundle, clock.instant());
            return new Verdict(chain[0], bundle, new VerifiedPeer(verified.spiffeId(), certificates, verified.notAfter()), null);
        } catch (SvidVerificationException e) {
            return new Verdict(chain[0], bundle, null, "client X.509-SVID refused: " + e.getMessage());
        }
    }

    /** Why a call with a client certificate is refused now, or null. */
    private String refusal(Verdict verdict) {
        if (verdict.refusal() != null) {
            return verdict.refusal();
        }
        VerifiedPeer peer = verdict.peer();
        Instant now = clock.instant();
        if (now.isAfter(peer.notAfter())) {
            return "client X.509-SVID refused: the chain of " + peer.spiffeId() + " expired at " + peer.notAfter()
                    + " (expected: valid at " + now + "; renew it and reconnect)";
        }
        for (PeerCheck check : checks) {
            Optional<String> refused = check.refusal(peer);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        return null;
    }

    /** The SPIFFE ID a refused chain's leaf names, for the audit trail: not verified, never trusted. */
    private static Optional<SpiffeId> claimed(Verdict verdict) {
        if (verdict.peer() != null) {
            return Optional.of(verdict.peer().spiffeId());
        }
        if (verdict.leaf() instanceof X509Certificate leaf) {
            try {
                return Optional.of(SvidRules.spiffeIdOf(leaf));
            } catch (SvidVerificationException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, Optional<SpiffeId> claimed, String reason) {
        for (CallRefusalListener listener : listeners) {
            listener.refused(call.getMethodDescriptor().getFullMethodName(), claimed, reason);
        }
        call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /**
     * The verdict on one TLS session's peer chain under one bundle: the verified peer, or why it
     * was refused. {@code leaf} is compared by identity, {@code bundle} by identity, then equality.
     */
    record Verdict(Certificate leaf, X509Bundle bundle, VerifiedPeer peer, String refusal) {
    }

    /**
     * A streaming call whose caller is checked again before each message either way, and which is
     * closed with {@code UNAUTHENTICATED} when the caller's chain expires. Its outbound methods are
     * serialized, since the expiry timer may close it from another thread.
     */
    private final class Guarded<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {

        private final SSLSession session;
        private final Instant notAfter;
        private boolean closed;
        private ScheduledFuture<?> timer;

        Guarded(ServerCall<Q, R> call, SSLSession session, Instant notAfter) {
            super(call);
            this.session = session;
            this.notAfter = notAfter;
        }

        synchronized void arm() {
            if (closed) {
                return;
            }
            long delay = Math.max(1, notAfter.toEpochMilli() + 1 - clock.millis());
            timer = Expiry.TIMER.schedule(this::recheck, delay, TimeUnit.MILLISECONDS);
        }

        private synchronized void recheck() {
            if (closed) {
                return;
            }
            if (!refused()) {
                arm();
            }
        }

        /** Closes the call when its caller is refused now; true when it is (or was already) closed. */
        private synchronized boolean refused() {
            if (closed) {
                return true;
            }
            String refusal = refusal(verdictOf(session));
            if (refusal == null) {
                return false;
            }
            close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
            return true;
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!refused()) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (closed) {
                return;
            }
            closed = true;
            if (timer != null) {
                timer.cancel(false);
            }
            super.close(status, trailers);
        }

        private synchronized void ended() {
            closed = true;
            if (timer != null) {
                timer.cancel(false);
            }
        }

        ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onMessage(Q message) {
                    if (!refused()) {
                        super.onMessage(message);
                    }
                }

                @Override
                public void onCancel() {
                    ended();
                    super.onCancel();
                }

                @Override
                public void onComplete() {
                    ended();
                    super.onComplete();
                }
            };
        }
    }

    /** The one timer thread that ends streams at their caller's expiry; a daemon. */
    private static final class Expiry {

        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "meshid-caller-expiry");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
