package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload's X.509-SVID: its SPIFFE ID, its certificate chain (leaf first, then the
 * intermediates that lead to the trust bundle) and the private key of the leaf.
 *
 * <p>An instance is always well formed: the leaf follows the SPIFFE X.509-SVID rules (exactly one
 * URI SAN holding a valid SPIFFE ID, not a CA, {@code digitalSignature} and neither
 * {@code keyCertSign} nor {@code cRLSign}), every certificate after the leaf is a CA with
 * {@code keyCertSign}, and the private key belongs to the leaf. It is not checked against any trust
 * bundle or clock here; {@link SvidVerifier} does that. {@link #toString()} never shows the key.
 * Immutable and thread-safe.
 */
public final class X509Svid {

    private final SpiffeId spiffeId;
    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;

    private X509Svid(SpiffeId spiffeId, List<X509Certificate> chain, PrivateKey privateKey) {
        this.spiffeId = spiffeId;
        this.chain = chain;
        this.privateKey = privateKey;
    }

    /**
     * Checks and wraps a chain (leaf first) and the leaf's private key.
     *
     * @throws IllegalArgumentException when the chain is empty, breaks an X.509-SVID rule, or the
     *     key does not belong to the leaf; the message says which and what was expected
     */
    public static X509Svid of(List<X509Certificate> chain, PrivateKey privateKey) {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(privateKey, "privateKey");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(
                    "X.509-SVID chain: empty (expected: the leaf certificate first, then its intermediates)");
        }
        List<X509Certificate> copy = List.copyOf(chain);
        SpiffeId id;
        try {
            id = SvidRules.checkLeaf(copy.get(0));
            for (int i = 1; i < copy.size(); i++) {
                SvidRules.checkSigning(copy.get(i), i);
            }
        } catch (SvidVerificationException e) {
            throw new IllegalArgumentException("X.509-SVID: " + e.getMessage());
        }
        if (!KeyPairs.matches(copy.get(0).getPublicKey(), privateKey)) {
            throw new IllegalArgumentException("X.509-SVID " + id + ": the private key ("
                    + privateKey.getAlgorithm() + ") does not belong to the leaf certificate (expected: the leaf's own key)");
        }
        return new X509Svid(id, copy, privateKey);
    }

    /** The SPIFFE ID in the leaf's URI SAN. */
    public SpiffeId spiffeId() {
        return spiffeId;
    }

    /** The chain, leaf first; unmodifiable. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The leaf certificate, {@code chain().get(0)}. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The leaf's private key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** When the leaf becomes valid. */
    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /** When the leaf expires. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Half-way through the leaf's validity: when its holder should renew it. */
    public Instant renewAt() {
        Instant from = notBefore();
        return from.plus(Duration.between(from, notAfter()).dividedBy(2));
    }

    @Override
    public String toString() {
        return "X509Svid[" + spiffeId + ", serial=" + leaf().getSerialNumber().toString(16)
                + ", notAfter=" + notAfter() + ", chain=" + chain.size() + ", key=****]";
    }
}
