package io.meshid.sidecar.revocation;

import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.revocation.RevokedSerials;
import io.meshid.common.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the sidecar knows about the revoked X.509-SVIDs of its trust domain, and whether it can be
 * sure of it. The set is the CRLs of the latest trust bundle cert-authority pushed
 * ({@link RevocationWatch}); a newer bundle replaces it, an older one is ignored.
 *
 * <p><b>Unknown means deny.</b> A peer is refused while the list was never loaded, and when the
 * feed has been down for longer than the grace (a revocation pushed meanwhile would be missed):
 * every handshake and every request is then refused until the feed is back. Within the grace the
 * last list is trusted, so that a cert-authority restart or a connection recycled by its maximum
 * age does not stop the mesh.
 *
 * <p>{@link #refusal} also refuses a chain of which a certificate has expired by the clock: the
 * handshake checked it, but a connection outlives its certificates. Checking costs a volatile
 * read and, while anything is revoked, one hash lookup per chain certificate. Thread-safe.
 */
public final class RevocationList {

    /** The default time the last list is trusted after its feed broke. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private record Snapshot(long sequence, RevokedSerials serials) {
    }

    private final TrustDomain trustDomain;
    private final Clock clock;
    private final Duration grace;
    private volatile Snapshot snapshot;
    private volatile Instant lostAt;
    private volatile String lostWhy = "not received yet";
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** An empty, not yet loaded list for {@code trustDomain}: every peer is refused until {@link #update}. */
    public RevocationList(TrustDomain trustDomain, Clock clock, Duration grace) {
        this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (grace.isNegative() || grace.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("revocation grace: " + grace + " (expected: between PT0S and PT5M)");
        }
        this.grace = grace;
        this.lostAt = clock.instant();
    }

    /** The trust domain whose revocations these are. */
    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /**
     * Replaces the list with {@code revoked}, from the bundle of {@code sequence}, and marks the
     * feed as up (this is a confirmation of the list). A bundle older than the one held is ignored.
     *
     * @return false when it was ignored
     */
    public synchronized boolean update(long sequence, List<RevokedSerial> revoked) {
        Snapshot held = snapshot;
        if (held != null && sequence < held.sequence()) {
            return false;
        }
        RevokedSerials serials = new RevokedSerials();
        for (RevokedSerial s : revoked) {
            if (s.trustDomain().equals(trustDomain)) {
                serials.add(s);
            }
        }
        snapshot = new Snapshot(sequence, serials);
        lostAt = null;
        for (Runnable listener : listeners) {
            listener.run();
        }
        return true;
    }

    /**
     * Calls {@code listener} after every accepted {@link #update} (on the updating thread, which it
     * must not hold up: hand the work to another thread). The data path sweeps its open exchanges
     * with it, so that a revocation cuts them at once.
     */
    public void addListener(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops calling {@code listener}. */
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /** Marks the feed as down for {@code why}; the grace starts now unless it was already running. */
    public void feedLost(String why) {
        lostWhy = why;
        if (lostAt == null) {
            lostAt = clock.instant();
        }
    }

    /** The bundle sequence the list comes from; -1 before the first. */
    public long sequence() {
        Snapshot held = snapshot;
        return held == null ? -1 : held.sequence();
    }

    /** Since when the feed has been down (or the list never loaded); empty while it is up. */
    public Optional<Instant> lostSince() {
        return Optional.ofNullable(lostAt);
    }

    /** Whether the list is loaded and its feed up or within the grace. */
    public boolean current() {
        return unknown().isEmpty();
    }

    /**
     * Why a peer presenting {@code chain} (leaf first, already verified against the bundle) must be
     * refused now: a certificate of it expired, the list is not known, or a certificate of it is
     * revoked. Empty when it may pass. The message names what was wrong and never a secret.
     */
    public Optional<String> refusal(List<X509Certificate> chain) {
        Optional<String> expired = expired(chain);
        return expired.isPresent() ? expired : revocationRefusal(chain);
    }

    /** As {@link #refusal}, without the expiry check: the list is not known, or the chain is revoked. */
    public Optional<String> revocationRefusal(List<X509Certificate> chain) {
        Optional<String> unknown = unknown();
        if (unknown.isPresent()) {
            return unknown;
        }
        RevokedSerials serials = snapshot.serials();
        if (serials.size() == 0) {
            return Optional.empty();
        }
        for (X509Certificate c : chain) {
            if (serials.isRevoked(trustDomain, c.getSerialNumber())) {
                return Optional.of("the peer's X.509-SVID chain holds a revoked certificate (serial "
                        + c.getSerialNumber().toString(16) + "; expected: an unrevoked SVID)");
            }
        }
        return Optional.empty();
    }

    /** Why {@code chain} is no longer valid by the clock (a certificate of it expired), if it is not. */
    public Optional<String> expired(List<X509Certificate> chain) {
        Instant now = clock.instant();
        for (X509Certificate c : chain) {
            Instant notAfter = c.getNotAfter().toInstant();
            if (now.isAfter(notAfter)) {
                return Optional.of("the peer's X.509-SVID chain expired at " + notAfter + " (serial "
                        + c.getSerialNumber().toString(16) + "; expected: a valid SVID on a new connection)");
            }
        }
        return Optional.empty();
    }

    /** Whether this list's clock is past {@code notAfter} (a chain's earliest expiry, found once by the caller). */
    public boolean past(Instant notAfter) {
        return clock.instant().isAfter(notAfter);
    }

    private Optional<String> unknown() {
        if (snapshot == null) {
            return Optional.of("the revocations of " + trustDomain.name() + " are not known yet (" + lostWhy
                    + "; retry shortly)");
        }
        Instant lost = lostAt;
        if (lost != null && clock.instant().isAfter(lost.plus(grace))) {
            return Optional.of("the revocations of " + trustDomain.name() + " could not be confirmed since " + lost + " ("
                    + lostWhy + "; retry shortly)");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        Snapshot held = snapshot;
        return "RevocationList[" + trustDomain.name() + ", sequence=" + (held == null ? -1 : held.sequence()) + ", revoked="
                + (held == null ? 0 : held.serials().size()) + (lostAt == null ? "" : ", feed lost since " + lostAt) + "]";
    }
}
