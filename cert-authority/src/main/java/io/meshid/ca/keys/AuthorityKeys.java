package io.meshid.ca.keys;

import java.security.PublicKey;
import java.util.Optional;

/**
 * Where the CA's own authority keys (roots and intermediates meshid makes) are made and kept. The
 * authority code ({@code AuthorityManager}, {@code AuthorityStore}) knows only this interface and
 * {@link Signer}: it asks for a new key, stores whatever {@link #stored} returns in the
 * authority's database row, and gets the signer back with {@link #load}. The default,
 * {@link SealedSoftwareKeys}, makes keys in memory and stores them sealed; a KMS or HSM
 * implementation makes the key there and stores only its reference (a key id), replacing the
 * default bean ({@code @Replaces(AuthorityKeys.class)}) without touching the authority code.
 * Implementations are thread-safe.
 */
public interface AuthorityKeys {

    /** A new signing key of this type. */
    Signer generate(KeyAlgorithm algorithm);

    /**
     * What the authority's database row keeps for {@code signer}'s key, bound to the authority's
     * id: sealed key bytes, or a reference to a key held elsewhere. Empty when the key is not this
     * implementation's to keep (an upstream CA's key, which stays in the operator's file).
     */
    Optional<byte[]> stored(Signer signer, String authorityId);

    /**
     * The signer for what {@link #stored} returned for the authority {@code authorityId}, whose
     * certificate carries {@code publicKey}.
     *
     * @throws IllegalStateException when the stored bytes do not give back that key
     */
    Signer load(byte[] stored, PublicKey publicKey, String authorityId);
}
