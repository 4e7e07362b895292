package io.meshid.common.tls;

import io.meshid.common.spiffe.TrustDomain;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A trust domain's X.509 bundle: the certificates that peers' X.509-SVIDs must chain to, and the
 * bundle's sequence number (which grows with every change, so that holders can tell newer from older).
 *
 * <p>Every certificate in the bundle is a trust anchor: roots, and during a rotation intermediates
 * as well. An instance always has at least one authority and a non-negative sequence number; the
 * authorities keep their order and have no duplicates. Immutable and thread-safe.
 */
public final class X509Bundle {

    private final TrustDomain trustDomain;
    private final List<X509Certificate> authorities;
    private final long sequenceNumber;
    private final Set<X509Certificate> authoritySet;
    private final Set<TrustAnchor> trustAnchors;

    private X509Bundle(TrustDomain trustDomain, List<X509Certificate> authorities, long sequenceNumber) {
        this.trustDomain = trustDomain;
        this.authoritySet = Set.copyOf(authorities);
        this.authorities = authorities;
        this.sequenceNumber = sequenceNumber;
        this.trustAnchors = Set.copyOf(authorities.stream().map(a -> new TrustAnchor(a, null)).toList());
    }

    /**
     * A bundle of {@code authorities} for {@code trustDomain}; duplicates are dropped.
     *
     * @throws IllegalArgumentException when there is no authority or the sequence number is negative
     */
    public static X509Bundle of(TrustDomain trustDomain, List<X509Certificate> authorities, long sequenceNumber) {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(authorities, "authorities");
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("X.509 bundle of " + trustDomain
                    + ": no authorities (expected: at least one CA certificate)");
        }
        if (sequenceNumber < 0) {
            throw new IllegalArgumentException("X.509 bundle of " + trustDomain + ": sequence number "
                    + sequenceNumber + " (expected: 0 or more)");
        }
        List<X509Certificate> distinct = List.copyOf(new LinkedHashSet<>(authorities));
        return new X509Bundle(trustDomain, distinct, sequenceNumber);
    }

    /** The trust domain this bundle speaks for. */
    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /** The trust anchors, in the order given; unmodifiable. */
    public List<X509Certificate> authorities() {
        return authorities;
    }

    /** The bundle's sequence number. */
    public long sequenceNumber() {
        return sequenceNumber;
    }

    /** True when {@code certificate} is one of the authorities. */
    public boolean contains(X509Certificate certificate) {
        return authoritySet.contains(certificate);
    }

    /** The authorities as PKIX trust anchors, made once. */
    Set<TrustAnchor> trustAnchors() {
        return trustAnchors;
    }

    /** Same trust domain, same authorities in the same order, same sequence number. */
    @Override
    public boolean equals(Object o) {
        return o instanceof X509Bundle other && sequenceNumber == other.sequenceNumber
                && trustDomain.equals(other.trustDomain) && authorities.equals(other.authorities);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trustDomain, authorities, sequenceNumber);
    }

    @Override
    public String toString() {
        return "X509Bundle[" + trustDomain + ", authorities=" + authorities.size() + ", sequence=" + sequenceNumber + "]";
    }
}
