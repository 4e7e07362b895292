package io.meshid.common.identity;

import com.google.protobuf.ByteString;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.common.v1.TrustBundle;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Keys, CSRs and the conversion of identity-server's and the CA's messages into {@link X509Svid}
 * and {@link X509Bundle}. Keys are made in memory and never leave it. Stateless and thread-safe.
 */
final class Svids {

    private Svids() {
    }

    /** A fresh ECDSA P-256 key pair. */
    static KeyPair newKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an ECDSA P-256 key: " + e.getMessage(), e);
        }
    }

    /** A DER PKCS#10 CSR for {@code key}; identity-server uses only its public key. */
    static ByteString csr(KeyPair key) {
        try {
            return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=meshid"), key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
        } catch (OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot make a CSR: " + e.getMessage(), e);
        }
    }

    /** The issued SVID with the key it was issued for. */
    static X509Svid svid(io.meshid.proto.common.v1.X509Svid issued, KeyPair key) {
        return X509Svid.of(certificates(issued.getCertChainList(), "svid.cert_chain"), key.getPrivate());
    }

    /** A bundle message as an {@link X509Bundle}; the trust domain must be {@code expected}. */
    static X509Bundle bundle(TrustBundle bundle, TrustDomain expected) {
        if (!expected.name().equals(bundle.getTrustDomain())) {
            throw new IllegalArgumentException("trust bundle of \"" + bundle.getTrustDomain() + "\" (expected: " + expected.name() + ")");
        }
        return X509Bundle.of(expected, certificates(bundle.getX509AuthoritiesList(), "trust_bundle.x509_authorities"),
                bundle.getSequenceNumber());
    }

    static List<X509Certificate> certificates(List<ByteString> ders, String field) {
        List<X509Certificate> out = new ArrayList<>(ders.size());
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (ByteString der : ders) {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der.toByteArray())));
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(field + ": not a DER X.509 certificate (" + e.getMessage() + ")", e);
        }
        return out;
    }
}
