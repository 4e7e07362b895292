package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestPki;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;

class PemTest {

    private final TestPki pki = TestPki.create("example.org");
    private final TestPki.Issued issued = pki.leaf("spiffe://example.org/ns/a/sa/b").issue();

    @Test
    void certificates_roundTrip_inOrder() {
        String pem = Pem.writeCertificates(issued.chain());

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(Pem.readCertificates(pem)).containsExactlyElementsOf(issued.chain());
    }

    @Test
    void privateKey_roundTripsAsPkcs8() {
        String pem = Pem.writePrivateKey(issued.keyPair().getPrivate());

        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Pem.readPrivateKey(pem).getEncoded()).isEqualTo(issued.keyPair().getPrivate().getEncoded());
    }

    @Test
    void privateKey_readsTraditionalEcAndRsaForms() throws Exception {
        String ecPem = sec1(issued.keyPair().getPrivate());
        assertThat(ecPem).startsWith("-----BEGIN EC PARAMETERS-----").contains("-----BEGIN EC PRIVATE KEY-----");
        assertThat(((java.security.interfaces.ECPrivateKey) Pem.readPrivateKey(ecPem)).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) issued.keyPair().getPrivate()).getS());

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair rsa = generator.generateKeyPair();
        String rsaPem = traditional(rsa.getPrivate());
        assertThat(rsaPem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(((RSAPrivateKey) Pem.readPrivateKey(rsaPem)).getPrivateExponent())
                .isEqualTo(((RSAPrivateKey) rsa.getPrivate()).getPrivateExponent());
    }

    @Test
    void readCertificates_garbage_isRejected() {
        assertThatThrownBy(() -> Pem.readCertificates("not a pem file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PEM: no CERTIFICATE block (expected: one or more)");
    }

    @Test
    void readCertificates_truncatedBlock_isRejected() {
        String pem = Pem.writeCertificates(issued.chain());
        String truncated = pem.substring(0, pem.length() - 40);

        assertThatThrownBy(() -> Pem.readCertificates(truncated))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("PEM: malformed or truncated block");
    }

    @Test
    void readCertificates_keyAmongCertificates_isRejected() {
        String pem = Pem.writeCertificates(List.of(issued.leaf())) + Pem.writePrivateKey(issued.keyPair().getPrivate());

        assertThatThrownBy(() -> Pem.readCertificates(pem))
                .hasMessage("PEM: a private key block among the certificates (expected: CERTIFICATE blocks only)");
    }

    @Test
    void readPrivateKey_twoKeys_isRejected() {
        PrivateKey key = issued.keyPair().getPrivate();
        String pem = Pem.writePrivateKey(key) + Pem.writePrivateKey(key);

        assertThatThrownBy(() -> Pem.readPrivateKey(pem)).hasMessage("PEM: more than one private key (expected: exactly one)");
    }

    @Test
    void readPrivateKey_certificateOnly_isRejected() {
        String pem = Pem.writeCertificates(List.<X509Certificate>of(issued.leaf()));

        assertThatThrownBy(() -> Pem.readPrivateKey(pem)).hasMessageContaining("a CERTIFICATE block in the key file");
    }

    /** {@code EC PARAMETERS} and {@code EC PRIVATE KEY} with the named curve, as {@code openssl ecparam -genkey} writes them. */
    private static String sec1(PrivateKey key) throws Exception {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        byte[] sec1 = new ECPrivateKey(256, inner.getKey(), curve).getEncoded();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        return "-----BEGIN EC PARAMETERS-----\n" + base64.encodeToString(curve.toASN1Primitive().getEncoded())
                + "\n-----END EC PARAMETERS-----\n-----BEGIN EC PRIVATE KEY-----\n" + base64.encodeToString(sec1)
                + "\n-----END EC PRIVATE KEY-----\n";
    }

    /** OpenSSL's traditional form ({@code RSA PRIVATE KEY}), as BouncyCastle writes it. */
    private static String traditional(PrivateKey key) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(key);
        }
        return out.toString();
    }
}
