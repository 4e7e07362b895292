package io.meshid.ca.issuance;

import io.meshid.common.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** A signed X.509-SVID: the chain (leaf first), its serial in hex, and its validity. Immutable. */
public record IssuedX509Svid(SpiffeId spiffeId, List<X509Certificate> chain, String serial, Instant notBefore,
        Instant notAfter) {

    /** Copies the chain. */
    public IssuedX509Svid {
        chain = List.copyOf(chain);
    }
}
