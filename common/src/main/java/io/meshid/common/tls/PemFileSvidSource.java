package io.meshid.common.tls;

import io.meshid.common.tls.SvidFileSet.Contents;
import io.meshid.common.tls.SvidFileSet.Failure;
import io.meshid.common.tls.SvidFileSet.Role;
import io.meshid.common.tls.SvidFileSet.Stamp;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link SvidSource} read from three PEM files that another process keeps fresh: {@code cert.pem}
 * (the chain, leaf first), {@code key.pem} (the leaf's private key) and {@code bundle.pem} (the
 * trust domain's authorities), as written by cert-manager's csi-driver-spiffe, spiffe-helper or
 * meshid's dev CA. This is how a server outside dev mode gets its SVID and picks up renewals and
 * bundle changes without a restart.
 *
 * <p>Every {@code pollInterval} a daemon thread owned by this source compares the files'
 * modification times, sizes and identities with the last ones seen; when one changed it reads all
 * three, checks them as one set (the chain is an X.509-SVID, the key is the leaf's, the chain
 * verifies against the bundle now), swaps them in and notifies the listeners. A set that is
 * half-written or invalid is ignored with a WARN log and the previous good one stays in use; it
 * is tried again when the files change again. The bundle's trust domain is the SVID's; its
 * sequence number starts at 1 and grows by one whenever the authorities change.
 *
 * <p>Construction reads the files once and fails with an {@link IllegalStateException} naming the
 * file when that read fails. {@link #close()} stops the polling. Thread-safe.
 */
public final class PemFileSvidSource implements SvidSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PemFileSvidSource.class);
    private static final int FIRST_READ_ATTEMPTS = 3;

    private record Loaded(X509Svid svid, X509Bundle bundle, List<Stamp> stamps) {
    }

    private final SvidFileSet files;
    private final Clock clock;
    private final SvidVerifier verifier = new SvidVerifier();
    private final Listeners listeners = new Listeners();
    private final ScheduledExecutorService poller;
    private volatile Loaded current;
    /** Touched by the polling thread only, after construction. */
    private List<Stamp> rejected;
    private String lastWarning;

    /** Reads the files now and then every {@code pollInterval}, checking validity with the system clock. */
    public PemFileSvidSource(Path certFile, Path keyFile, Path bundleFile, Duration pollInterval) {
        this(certFile, keyFile, bundleFile, pollInterval, Clock.systemUTC());
    }

    /**
     * Reads the files now and then every {@code pollInterval}; {@code clock} decides whether the
     * SVID is valid when a set is read.
     *
     * @throws IllegalStateException naming the file when the first read fails
     * @throws IllegalArgumentException when {@code pollInterval} is not positive
     */
    public PemFileSvidSource(Path certFile, Path keyFile, Path bundleFile, Duration pollInterval, Clock clock) {
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("poll interval: " + pollInterval + " (expected: positive)");
        }
        this.files = new SvidFileSet(certFile, keyFile, bundleFile);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.current = firstRead();
        LOG.info("loaded {} and {} from {}", current.svid(), current.bundle(), certFile);
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "meshid-svid-files");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1, pollInterval.toMillis());
        poller.scheduleWithFixedDelay(this::pollSafely, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public X509Svid svid() {
        return current.svid();
    }

    @Override
    public X509Bundle bundle() {
        return current.bundle();
    }

    @Override
    public void addListener(Runnable onChange) {
        listeners.add(onChange);
    }

    /** Stops polling; the last SVID and bundle stay readable. Idempotent. */
    @Override
    public void close() {
        poller.shutdownNow();
    }

    @Override
    public String toString() {
        return "PemFileSvidSource[" + files.path(Role.CERT) + ", " + current.svid() + ", " + current.bundle() + "]";
    }

    private Loaded firstRead() {
        for (int attempt = 1; ; attempt++) {
            List<Stamp> stamps = files.stamps();
            Loaded loaded = load(stamps, null);
            if (loaded != null) {
                return loaded;
            }
            if (attempt == FIRST_READ_ATTEMPTS) {
                throw files.failure(Role.CERT, "the SVID files kept changing while being read (expected: a complete set)");
            }
        }
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn("checking the SVID files failed; keeping {}", current.svid(), e);
        }
    }

    /** Reloads the files when they changed since the last good or rejected read. */
    synchronized void poll() {
        Loaded previous = current;
        List<Stamp> stamps = null;
        Loaded next;
        try {
            stamps = files.stamps();
            if (stamps.equals(previous.stamps()) || stamps.equals(rejected)) {
                return;
            }
            next = load(stamps, previous);
        } catch (Failure e) {
            warn(e.getMessage(), stamps);
            return;
        }
        if (next == null) {
            LOG.debug("the SVID files changed while being read; reading them again at the next poll");
            return;
        }
        rejected = null;
        lastWarning = null;
        current = next;
        boolean changed = !next.svid().chain().equals(previous.svid().chain())
                || next.bundle().sequenceNumber() != previous.bundle().sequenceNumber();
        if (changed) {
            LOG.info("reloaded {} and {}", next.svid(), next.bundle());
            listeners.fire();
        }
    }

    /** Logs a rejected set once, and remembers its stamps (null: a file was missing) so it is retried only after a change. */
    private void warn(String problem, List<Stamp> stamps) {
        if (!problem.equals(lastWarning)) {
            LOG.warn("ignoring the SVID files: {}; keeping {} (expected: a complete, valid set; retried when the files change)",
                    problem, current.svid());
            lastWarning = problem;
        }
        rejected = stamps;
    }

    /** Reads and checks the set; null when a file changed while it was being read. */
    private Loaded load(List<Stamp> stamps, Loaded previous) {
        Contents contents = files.read();
        if (!files.stamps().equals(stamps)) {
            return null;
        }
        X509Svid svid;
        try {
            svid = X509Svid.of(contents.chain(), contents.key());
        } catch (IllegalArgumentException e) {
            throw files.failure(Role.CERT, e.getMessage() + " (with key file " + files.path(Role.KEY) + ")");
        }
        X509Bundle bundle = X509Bundle.of(svid.spiffeId().trustDomain(), contents.authorities(),
                previous == null ? 1 : previous.bundle().sequenceNumber());
        if (previous != null && !bundle.authorities().equals(previous.bundle().authorities())) {
            bundle = X509Bundle.of(bundle.trustDomain(), bundle.authorities(), bundle.sequenceNumber() + 1);
        }
        try {
            verifier.verify(svid.chain(), bundle, clock.instant());
        } catch (SvidVerificationException e) {
            throw files.failure(Role.BUNDLE, "the SVID in " + files.path(Role.CERT) + " does not verify against it: "
                    + e.getMessage());
        }
        return new Loaded(svid, bundle, stamps);
    }
}
