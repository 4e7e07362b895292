package io.meshid.common.tls;

/**
 * Where a process gets its current X.509-SVID and the X.509 bundle of its trust domain. Both may
 * change at any time (renewal, CA rotation); {@link SvidKeyManager} and {@link SpiffeTrustManager}
 * read the source on every TLS handshake, so a change is used by the next handshake.
 *
 * <p>Implementations always have an SVID and a bundle (they fail at construction otherwise). The
 * bundle is what peers are verified against: that of the trust domain the process talks to,
 * normally its own. This interface is thread-safe.
 */
public interface SvidSource {

    /** The current SVID; never null. */
    X509Svid svid();

    /** The current bundle that peers' SVIDs must chain to; never null. */
    X509Bundle bundle();

    /**
     * Calls {@code onChange} after every later change of the SVID or the bundle (not for the
     * current ones), on the thread that made the change. Listeners should be quick; one that
     * throws is logged and does not stop the others.
     */
    void addListener(Runnable onChange);
}
