package io.meshid.common.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes the PEM files that hold X.509-SVIDs and bundles: {@code CERTIFICATE} blocks
 * (a chain, leaf first, or a bundle's authorities) and unencrypted private keys, written as PKCS#8
 * {@code PRIVATE KEY} and read from PKCS#8 or the traditional {@code EC PRIVATE KEY} and
 * {@code RSA PRIVATE KEY} forms. Keys are produced by the default JCA providers.
 *
 * <p>Malformed content fails with an {@link IllegalArgumentException} that says what was found and
 * what was expected; it never quotes key material. Stateless and thread-safe.
 */
public final class Pem {

    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /**
     * The certificates in {@code pem}, in order.
     *
     * @throws IllegalArgumentException when there is none, one is malformed, or another kind of block is present
     */
    public static List<X509Certificate> readCertificates(String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object block : blocks(pem)) {
            if (!(block instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException("PEM: a " + describe(block)
                        + " block among the certificates (expected: CERTIFICATE blocks only)");
            }
            try {
                certificates.add(converter.getCertificate(holder));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("PEM: certificate " + certificates.size()
                        + " is not a valid X.509 certificate (expected: DER in a CERTIFICATE block)");
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("PEM: no CERTIFICATE block (expected: one or more)");
        }
        return List.copyOf(certificates);
    }

    /** Reads {@link #readCertificates(String)} from a UTF-8 file. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        return readCertificates(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * The one private key in {@code pem}: {@code PRIVATE KEY} (PKCS#8), {@code EC PRIVATE KEY} or
     * {@code RSA PRIVATE KEY}; an {@code EC PARAMETERS} block before it is skipped.
     *
     * @throws IllegalArgumentException when there is no key, more than one, an encrypted one, or another kind of block
     */
    public static PrivateKey readPrivateKey(String pem) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        PrivateKey key = null;
        for (Object block : blocks(pem)) {
            if (block instanceof ASN1ObjectIdentifier || block instanceof X9ECParameters) {
                continue;
            }
            PrivateKey next;
            try {
                if (block instanceof PrivateKeyInfo info) {
                    next = converter.getPrivateKey(info);
                } else if (block instanceof PEMKeyPair pair) {
                    next = converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IllegalArgumentException("PEM: an encrypted private key (expected: an unencrypted PRIVATE KEY)");
                } else {
                    throw new IllegalArgumentException("PEM: a " + describe(block)
                            + " block in the key file (expected: one PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block)");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "PEM: the private key cannot be decoded (expected: PKCS#8, SEC 1 or PKCS#1 DER)");
            }
            if (key != null) {
                throw new IllegalArgumentException("PEM: more than one private key (expected: exactly one)");
            }
            key = next;
        }
        if (key == null) {
            throw new IllegalArgumentException(
                    "PEM: no private key block (expected: PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
        }
        return key;
    }

    /** Reads {@link #readPrivateKey(String)} from a UTF-8 file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return readPrivateKey(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** {@code CERTIFICATE} blocks for {@code certificates}, in order. */
    public static String writeCertificates(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                block(out, "CERTIFICATE", certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("PEM: certificate cannot be encoded", e);
            }
        }
        return out.toString();
    }

    /** A PKCS#8 {@code PRIVATE KEY} block for {@code key}. */
    public static String writePrivateKey(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("PEM: a " + key.getAlgorithm() + " key in format " + key.getFormat()
                    + " (expected: an exportable PKCS#8 key)");
        }
        StringBuilder out = new StringBuilder();
        block(out, "PRIVATE KEY", der);
        return out.toString();
    }

    private static List<Object> blocks(String pem) {
        Objects.requireNonNull(pem, "pem");
        List<Object> blocks = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "PEM: malformed or truncated block (expected: complete -----BEGIN/-----END blocks)");
        }
        return blocks;
    }

    private static String describe(Object block) {
        if (block instanceof X509CertificateHolder) {
            return "CERTIFICATE";
        }
        if (block instanceof PrivateKeyInfo || block instanceof PEMKeyPair || block instanceof PEMEncryptedKeyPair
                || block instanceof PKCS8EncryptedPrivateKeyInfo) {
            return "private key";
        }
        return block.getClass().getSimpleName();
    }

    private static void block(StringBuilder out, String type, byte[] der) {
        out.append("-----BEGIN ").append(type).append("-----\n")
                .append(BASE64.encodeToString(der)).append('\n')
                .append("-----END ").append(type).append("-----\n");
    }
}
