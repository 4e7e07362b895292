package io.meshid.ca.authority;

import io.meshid.ca.keys.Signer;
import io.meshid.ca.keys.FileKeySigner;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A CA key and certificate that an operator's own PKI issued to meshid (an "upstream" CA, as
 * SPIRE's UpstreamAuthority plugin or Istio's plugged-in CA certificates): meshid signs its
 * intermediates with it instead of a self-signed root, leaves chain up to the operator's roots,
 * and the bundle carries those roots. meshid cannot rotate it; the operator replaces the files
 * and meshid takes the new one on its next check. Immutable.
 *
 * @param certificate the CA certificate issued to meshid
 * @param chainAbove  the certificates between it and the upstream root (may be empty)
 * @param signer      its key, read from its file and held in memory only: never stored in meshid's database
 * @param roots       the upstream roots, published in the bundle
 */
public record UpstreamAuthority(X509Certificate certificate, List<X509Certificate> chainAbove, Signer signer,
        List<X509Certificate> roots) {

    /**
     * Reads and checks the operator's files: the certificate is a CA allowed to sign one more
     * level, the key matches it, and the chain verifies up to the given roots now.
     *
     * @throws IllegalArgumentException naming the file and what was wrong
     */
    public static UpstreamAuthority load(TrustDomain domain, Path chainFile, Path keyFile, Path rootsFile, Instant now) {
        List<X509Certificate> chain = read(chainFile, "meshid.ca.upstream-cert-file");
        List<X509Certificate> roots = read(rootsFile, "meshid.ca.upstream-bundle-file");
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(keyFile);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("meshid.ca.upstream-key-file: cannot read a private key from " + keyFile
                    + " (" + e.getMessage() + ")");
        }
        X509Certificate ca = chain.get(0);
        if (ca.getBasicConstraints() < 1) {
            throw new IllegalArgumentException("meshid.ca.upstream-cert-file: " + ca.getSubjectX500Principal()
                    + " is not a CA that may sign intermediates (expected: CA:true with no path length limit, or at least 1)");
        }
        boolean[] usage = ca.getKeyUsage();
        if (usage != null && !usage[5]) {
            throw new IllegalArgumentException("meshid.ca.upstream-cert-file: " + ca.getSubjectX500Principal()
                    + " lacks keyCertSign (expected: a signing CA certificate)");
        }
        Signer signer;
        try {
            signer = FileKeySigner.of(new KeyPair(ca.getPublicKey(), key), keyFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("meshid.ca.upstream-key-file: " + e.getMessage());
        }
        if (!matches(signer, ca)) {
            throw new IllegalArgumentException("meshid.ca.upstream-key-file: the key does not belong to "
                    + ca.getSubjectX500Principal() + " (expected: the private key of the first certificate in the cert file)");
        }
        List<X509Certificate> above = chain.subList(1, chain.size()).stream()
                .filter(c -> roots.stream().noneMatch(r -> r.equals(c))).toList();
        verify(ca, above, roots, now);
        return new UpstreamAuthority(ca, List.copyOf(above), signer, List.copyOf(roots));
    }

    private static List<X509Certificate> read(Path file, String key) {
        try {
            List<X509Certificate> certificates = Pem.readCertificates(file);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("no certificate");
            }
            return certificates;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(key + ": cannot read certificates from " + file + " (" + e.getMessage()
                    + "; expected: PEM CERTIFICATE blocks)");
        }
    }

    private static boolean matches(Signer signer, X509Certificate certificate) {
        try {
            var contentSigner = signer.contentSigner();
            contentSigner.getOutputStream().write(new byte[] {1, 2, 3});
            java.security.Signature verifier = java.security.Signature.getInstance(signer.algorithm().signatureAlgorithm());
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(new byte[] {1, 2, 3});
            return verifier.verify(contentSigner.getSignature());
        } catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    private static void verify(X509Certificate ca, List<X509Certificate> above, List<X509Certificate> roots, Instant now) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            roots.forEach(r -> anchors.add(new TrustAnchor(r, null)));
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            List<X509Certificate> path = new java.util.ArrayList<>();
            path.add(ca);
            path.addAll(above);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("meshid.ca.upstream-cert-file: the chain does not verify against "
                    + "meshid.ca.upstream-bundle-file (" + e.getMessage() + ")");
        }
    }

    /** Whether this is the authority already stored as {@code root}. */
    boolean is(Authority root) {
        return root.certificate().equals(certificate);
    }
}
