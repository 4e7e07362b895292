package io.meshid.ca.keys;

import java.security.PublicKey;
import org.bouncycastle.operator.ContentSigner;

/**
 * Stands for a key meshid does not hold, such as an upstream CA's key whose file now holds
 * another: the authority's certificate is still known (it may stay in the bundle until what it
 * signed expires), but it can sign nothing. Immutable and thread-safe.
 */
public record AbsentKeySigner(PublicKey publicKey, KeyAlgorithm algorithm, String where) implements Signer {

    @Override
    public ContentSigner contentSigner() {
        throw new IllegalStateException("this CA key is not held by meshid (" + where + ")");
    }
}
