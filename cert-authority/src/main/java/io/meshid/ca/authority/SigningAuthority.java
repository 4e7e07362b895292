package io.meshid.ca.authority;

import io.meshid.ca.keys.Signer;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The intermediate that signs leaves right now, with the chain that goes after a leaf (the
 * intermediate; the root is in the bundle). Immutable.
 */
public record SigningAuthority(String id, X509Certificate certificate, Signer signer) {

    /** What follows a leaf in its chain. */
    public List<X509Certificate> chainAfterLeaf() {
        return List.of(certificate);
    }

    /** No leaf may outlive this. */
    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }
}
