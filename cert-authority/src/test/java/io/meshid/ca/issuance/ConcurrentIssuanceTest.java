package io.meshid.ca.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.ca.testing.CaServer;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.X509Svid;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.Test;

/**
 * Many issuances at once: every leaf's key identifiers belong to its own key and its own issuer,
 * and every serial is distinct. (Shared digest state once mixed concurrent leaves' identifiers.)
 */
class ConcurrentIssuanceTest {

    @Test
    void concurrentIssuance_keepsEachLeafsKeyIdentifiersAndSerialsItsOwn() throws Exception {
        try (CaServer server = new CaServer(TestDatabase.h2(), Map.of())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<X509Svid>> futures = new ArrayList<>();
            for (int i = 0; i < 800; i++) {
                futures.add(pool.submit(() -> server.svid("spiffe://ca.test/ns/load/sa/app")));
            }
            Set<java.math.BigInteger> serials = new HashSet<>();
            for (Future<X509Svid> f : futures) {
                X509Svid svid = f.get();
                X509Certificate leaf = svid.leaf();
                X509Certificate issuer = svid.chain().get(1);
                byte[] expectedSki = new JcaX509ExtensionUtils().createSubjectKeyIdentifier(leaf.getPublicKey()).getKeyIdentifier();
                assertThat(ski(leaf)).as("SKI of serial %s", leaf.getSerialNumber()).isEqualTo(expectedSki);
                assertThat(aki(leaf)).as("AKI of serial %s", leaf.getSerialNumber()).isEqualTo(ski(issuer));
                serials.add(leaf.getSerialNumber());
            }
            pool.shutdown();
            assertThat(serials).hasSize(800);
        }
    }

    private static byte[] ski(X509Certificate c) {
        return ASN1OctetString.getInstance(ASN1OctetString.getInstance(c.getExtensionValue(Extension.subjectKeyIdentifier.getId()))
                .getOctets()).getOctets();
    }

    private static byte[] aki(X509Certificate c) {
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                c.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets()).getKeyIdentifierOctets();
    }
}
