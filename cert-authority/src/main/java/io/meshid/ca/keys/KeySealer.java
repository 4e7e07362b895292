package io.meshid.ca.keys;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts CA private keys before they are stored and decrypts them when loaded: AES-256-GCM with
 * a random 96-bit nonce per key, the authority's id as associated data (a sealed key cannot be
 * moved to another authority's row), and a one-byte format version. The key-encryption key comes
 * from the environment or a file, never from the database or the repository. Thread-safe.
 */
public final class KeySealer {

    /** Length of the key-encryption key, in bytes. */
    public static final int KEY_BYTES = 32;

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    /** @throws IllegalArgumentException when the key is not {@value #KEY_BYTES} bytes */
    public KeySealer(byte[] keyEncryptionKey) {
        if (keyEncryptionKey == null || keyEncryptionKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("key-encryption key: " + (keyEncryptionKey == null ? 0 : keyEncryptionKey.length)
                    + " bytes (expected: " + KEY_BYTES + " random bytes, base64-encoded)");
        }
        this.key = new SecretKeySpec(keyEncryptionKey.clone(), "AES");
    }

    /** Encrypts {@code plaintext}, bound to {@code authorityId}. */
    public byte[] seal(byte[] plaintext, String authorityId) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(authorityId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a CA key", e);
        }
    }

    /**
     * Decrypts what {@link #seal} made for {@code authorityId}.
     *
     * @throws IllegalStateException when the key-encryption key is not the one the key was sealed with,
     *     or the sealed bytes were altered
     */
    public byte[] unseal(byte[] sealed, String authorityId) {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new IllegalStateException("sealed key of authority " + authorityId + ": unknown format (expected: version 1)");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES)));
            cipher.updateAAD(authorityId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot unseal the key of authority " + authorityId
                    + ": wrong meshid.ca.key-encryption-key, or the stored key was altered");
        }
    }

    @Override
    public String toString() {
        return "KeySealer[key=****]";
    }
}
