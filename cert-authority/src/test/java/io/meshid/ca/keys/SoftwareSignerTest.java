package io.meshid.ca.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SoftwareSignerTest {

    private static X509Certificate certificate(SoftwareSigner signer, int serial) throws Exception {
        X500Name name = new X500Name("CN=signer test " + serial);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial), Date.from(now),
                Date.from(now.plusSeconds(3600)), name, signer.publicKey());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer.contentSigner()));
    }

    /**
     * Certificates signed from many threads at once (the EC keys through pooled signatures on a
     * digest made in the JDK) verify with the JDK's own verifier under the key's algorithm, and
     * not under another key.
     */
    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void certificatesSignedConcurrently_verifyWithTheJdk_andOnlyWithTheirKey(KeyAlgorithm type) throws Exception {
        SoftwareSigner signer = SoftwareSigner.generate(type);
        SoftwareSigner other = SoftwareSigner.generate(type);
        int count = type == KeyAlgorithm.RSA_3072 ? 8 : 64;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<X509Certificate>> signed = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int serial = i + 1;
                signed.add(pool.submit(() -> certificate(signer, serial)));
            }
            for (int i = 0; i < count; i++) {
                X509Certificate cert = signed.get(i).get(60, TimeUnit.SECONDS);
                assertThat(cert.getSerialNumber()).isEqualTo(BigInteger.valueOf(i + 1));
                assertThat(cert.getSigAlgName()).isEqualToIgnoringCase(type.signatureAlgorithm());
                cert.verify(signer.publicKey());
                assertThatThrownBy(() -> cert.verify(other.publicKey())).isInstanceOf(SignatureException.class);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
