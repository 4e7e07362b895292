package io.meshid.ca.keys;

import io.meshid.common.keys.KeySealer;
import jakarta.inject.Singleton;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Optional;

/**
 * The default {@link AuthorityKeys}: keys made in this process ({@link SoftwareSigner}), stored as
 * PKCS#8 sealed by {@link KeySealer} with the authority's id as associated data, so a sealed key
 * cannot be moved to another authority's row. Keys it did not make (an upstream CA's, behind
 * {@link FileKeySigner}) are never stored. Thread-safe.
 */
@Singleton
final class SealedSoftwareKeys implements AuthorityKeys {

    private final KeySealer sealer;

    SealedSoftwareKeys(KeySealer sealer) {
        this.sealer = sealer;
    }

    @Override
    public Signer generate(KeyAlgorithm algorithm) {
        return SoftwareSigner.generate(algorithm);
    }

    @Override
    public Optional<byte[]> stored(Signer signer, String authorityId) {
        return signer instanceof SoftwareSigner software
                ? Optional.of(sealer.seal(software.pkcs8(), authorityId))
                : Optional.empty();
    }

    @Override
    public Signer load(byte[] stored, PublicKey publicKey, String authorityId) {
        byte[] pkcs8 = sealer.unseal(stored, authorityId);
        PrivateKey privateKey;
        try {
            privateKey = KeyFactory.getInstance(publicKey.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the stored key of authority " + authorityId + " does not parse", e);
        }
        return SoftwareSigner.of(new KeyPair(publicKey, privateKey));
    }
}
