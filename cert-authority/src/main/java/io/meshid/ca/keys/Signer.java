package io.meshid.ca.keys;

import java.security.PublicKey;
import org.bouncycastle.operator.ContentSigner;

/**
 * A CA signing key. Callers get a {@link ContentSigner} for one certificate and never see the
 * private key, so a KMS or HSM can stand behind this interface without touching them.
 * Implementations are thread-safe.
 */
public interface Signer {

    /** The public half, as it goes into the authority's certificate. */
    PublicKey publicKey();

    /** The key type. */
    KeyAlgorithm algorithm();

    /** A signer for one certificate or CRL; not shared between threads. */
    ContentSigner contentSigner();
}
