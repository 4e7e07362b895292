package io.meshid.common.keys;

import io.micronaut.context.exceptions.ConfigurationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts private keys before they are stored and decrypts them when loaded: AES-256-GCM with a
 * random 96-bit nonce per key, the id of the key's owner (a CA authority, a JWT signing key) as
 * associated data (a sealed key cannot be moved to another row), and a one-byte format version.
 * The key-encryption key comes from the environment or a file, never from the database or the
 * repository. Used by cert-authority and identity-server. Thread-safe.
 */
public final class KeySealer {

    /** Length of the key-encryption key, in bytes. */
    public static final int KEY_BYTES = 32;

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final String configKey;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param keyEncryptionKey {@value #KEY_BYTES} random bytes
     * @param configKey the configuration key the KEK came from, named when unsealing fails
     * @throws IllegalArgumentException when the key is not {@value #KEY_BYTES} bytes
     */
    public KeySealer(byte[] keyEncryptionKey, String configKey) {
        if (keyEncryptionKey == null || keyEncryptionKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("key-encryption key: " + (keyEncryptionKey == null ? 0 : keyEncryptionKey.length)
                    + " bytes (expected: " + KEY_BYTES + " random bytes, base64-encoded)");
        }
        this.key = new SecretKeySpec(keyEncryptionKey.clone(), "AES");
        this.configKey = configKey;
    }

    /**
     * The sealer of a server's configuration: the KEK in base64 given directly ({@code value},
     * from the environment) or in a file ({@code file}, preferred).
     *
     * @param prefix the server's configuration prefix, such as {@code meshid.ca}; the keys are
     *     {@code <prefix>.key-encryption-key} and {@code <prefix>.key-encryption-key-file}
     * @param what what the key protects, for the message when none is configured ("CA keys")
     * @throws ConfigurationException naming the key when neither is set, the file cannot be read,
     *     or the key is not 32 bytes of base64
     */
    public static KeySealer fromConfig(String prefix, Optional<String> value, Optional<Path> file, String what) {
        String env = prefix.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_') + "_KEY_ENCRYPTION_KEY";
        String base64 = value.filter(s -> !s.isBlank()).orElseGet(() -> file.map(f -> {
            try {
                return Files.readString(f).trim();
            } catch (IOException e) {
                throw new ConfigurationException(prefix + ".key-encryption-key-file: cannot read " + f + " (" + e.getMessage() + ")");
            }
        }).orElseThrow(() -> new ConfigurationException(prefix + ".key-encryption-key-file: not set (expected: a file "
                + "holding 32 random bytes in base64, made with `head -c 32 /dev/urandom | base64`; or the key itself in "
                + env + "). " + what + " are never stored unencrypted.")));
        try {
            return new KeySealer(Base64.getDecoder().decode(base64), prefix + ".key-encryption-key");
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(prefix + ".key-encryption-key: " + e.getMessage());
        }
    }

    /** Encrypts {@code plaintext}, bound to {@code ownerId}. */
    public byte[] seal(byte[] plaintext, String ownerId) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(ownerId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal key " + ownerId, e);
        }
    }

    /**
     * Decrypts what {@link #seal} made for {@code ownerId}.
     *
     * @throws IllegalStateException when the key-encryption key is not the one the key was sealed with,
     *     or the sealed bytes were altered
     */
    public byte[] unseal(byte[] sealed, String ownerId) {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new IllegalStateException("sealed key " + ownerId + ": unknown format (expected: version 1)");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES)));
            cipher.updateAAD(ownerId.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot unseal key " + ownerId + ": wrong " + configKey
                    + ", or the stored key was altered");
        }
    }

    @Override
    public String toString() {
        return "KeySealer[key=****]";
    }
}
