package io.meshid.ca.bundle;

import io.meshid.common.spiffe.TrustDomain;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A trust domain's bundle at one moment: every authority certificate a relying party must trust
 * (roots and intermediates that are prepared, active, or still covering live certificates), with
 * a sequence number that grows on every change, and the CRLs of its authorities that revoked
 * unexpired leaves. Immutable.
 */
public record TrustBundle(TrustDomain trustDomain, List<X509Certificate> authorities, long sequence, Instant updatedAt,
        List<X509CRL> crls) {

    /** Copies the lists. */
    public TrustBundle {
        authorities = List.copyOf(authorities);
        crls = List.copyOf(crls);
    }

    /** A bundle with no CRLs. */
    public TrustBundle(TrustDomain trustDomain, List<X509Certificate> authorities, long sequence, Instant updatedAt) {
        this(trustDomain, authorities, sequence, updatedAt, List.of());
    }
}
