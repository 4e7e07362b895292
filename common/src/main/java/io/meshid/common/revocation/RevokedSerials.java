package io.meshid.common.revocation;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This process's view of the revoked X.509 certificates: a set in memory, so that checking every
 * call costs one hash lookup per certificate of the caller's chain (nothing at all while the set
 * is empty). {@code RevocationFeed} (meshid-common-server) keeps it current: from the shared store's revocation channel
 * (every replica, at once), from this server's durable {@link RevocationSource}s at start-up and
 * every {@code meshid.revocation.reload-interval}. Revocations are only ever added; an entry is
 * dropped once its certificate has expired ({@link #prune}).
 *
 * <p>Until every durable source has answered once, the view is not {@linkplain #loaded() loaded}:
 * the caller check then refuses authenticated calls rather than trust a list it never read
 * (unknown means deny). Thread-safe.
 */
@Singleton
public final class RevokedSerials {

    private record Key(String trustDomain, BigInteger serial) {
    }

    private final ConcurrentHashMap<Key, Instant> revoked = new ConcurrentHashMap<>();
    private volatile String notLoaded;

    /** An empty view, loaded (no durable source to wait for) until {@link #awaitFirstLoad} says otherwise. */
    public RevokedSerials() {
    }

    /** Whether {@code serial} of {@code domain} is revoked. */
    public boolean isRevoked(TrustDomain domain, BigInteger serial) {
        return !revoked.isEmpty() && revoked.containsKey(new Key(domain.name(), serial));
    }

    /**
     * The first certificate of {@code chain} (a verified X.509-SVID chain of {@code leafId}, leaf
     * first) whose serial is revoked in {@code leafId}'s trust domain, if any.
     */
    public Optional<BigInteger> revokedIn(SpiffeId leafId, Certificate[] chain) {
        if (revoked.isEmpty() || chain == null) {
            return Optional.empty();
        }
        String domain = leafId.trustDomain().name();
        for (Certificate c : chain) {
            if (c instanceof X509Certificate x && revoked.containsKey(new Key(domain, x.getSerialNumber()))) {
                return Optional.of(x.getSerialNumber());
            }
        }
        return Optional.empty();
    }

    /**
     * Adds {@code serial}.
     *
     * @return true when it was not known before
     */
    public boolean add(RevokedSerial serial) {
        boolean[] added = {false};
        revoked.compute(new Key(serial.trustDomain().name(), serial.serial()), (k, known) -> {
            added[0] = known == null;
            return known == null || serial.notAfter().isAfter(known) ? serial.notAfter() : known;
        });
        return added[0];
    }

    /**
     * Adds every serial of {@code serials}.
     *
     * @return how many were not known before
     */
    public int addAll(Collection<RevokedSerial> serials) {
        int added = 0;
        for (RevokedSerial s : serials) {
            if (add(s)) {
                added++;
            }
        }
        return added;
    }

    /** Drops the serials whose certificates expired before {@code now}. */
    public void prune(Instant now) {
        revoked.values().removeIf(notAfter -> notAfter.isBefore(now));
    }

    /** How many revoked serials are held. */
    public int size() {
        return revoked.size();
    }

    /** Marks the view as not yet loaded from its durable sources, for {@code why}. */
    void awaitFirstLoad(String why) {
        notLoaded = why;
    }

    /** Marks the view as loaded. */
    void loadedNow() {
        notLoaded = null;
    }

    /** Whether every durable source has answered at least once. */
    public boolean loaded() {
        return notLoaded == null;
    }

    /** Why the view is not loaded yet; empty once it is. */
    public Optional<String> notLoadedReason() {
        return Optional.ofNullable(notLoaded);
    }
}
