package io.meshid.ca.authority;

import io.meshid.ca.keys.Signer;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The intermediate that signs leaves right now, with the chain that goes after a leaf: the
 * intermediate, and with an upstream CA also the upstream certificates below the upstream root
 * (roots are in the bundle). Immutable.
 */
public record SigningAuthority(String id, List<X509Certificate> chainAfterLeaf, Signer signer) {

    /** Copies the chain; its first certificate is the intermediate's own. */
    public SigningAuthority {
        chainAfterLeaf = List.copyOf(chainAfterLeaf);
    }

    /** The intermediate's certificate. */
    public X509Certificate certificate() {
        return chainAfterLeaf.get(0);
    }

    /** No leaf may outlive this. */
    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }
}
