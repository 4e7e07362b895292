package io.meshid.ca.keys;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.operator.ContentSigner;

/**
 * A CA key that belongs to the operator, not to meshid (an upstream CA's key): read from its file
 * at start-up (and again when the file changes) and held only in this process's memory. It offers
 * no way to export the private key, so it is never sealed into meshid's database; a KMS or HSM
 * signer would stand in the same place. Thread-safe; its {@code toString} names the file only.
 */
public final class FileKeySigner implements Signer {

    private final SoftwareSigner key;
    private final Path file;

    private FileKeySigner(SoftwareSigner key, Path file) {
        this.key = key;
        this.file = file;
    }

    /** Holds {@code pair}, read from {@code file}. */
    public static FileKeySigner of(KeyPair pair, Path file) {
        return new FileKeySigner(SoftwareSigner.of(pair), file);
    }

    @Override
    public PublicKey publicKey() {
        return key.publicKey();
    }

    @Override
    public KeyAlgorithm algorithm() {
        return key.algorithm();
    }

    @Override
    public ContentSigner contentSigner() {
        return key.contentSigner();
    }

    @Override
    public String toString() {
        return "FileKeySigner[" + key.algorithm() + ", " + file + ", key=****]";
    }
}
