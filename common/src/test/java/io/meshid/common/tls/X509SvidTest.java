package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestPki;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class X509SvidTest {

    private static final String ID = "spiffe://example.org/ns/payments/sa/api";

    private final TestPki pki = TestPki.create("example.org");

    @Test
    void of_wellFormedLeaf_exposesIdChainAndTimes() {
        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(10));
        TestPki.Issued issued = pki.leaf(ID).validity(from, from.plus(Duration.ofHours(1))).issue();

        X509Svid svid = issued.svid();

        assertThat(svid.spiffeId()).hasToString(ID);
        assertThat(svid.chain()).containsExactlyElementsOf(issued.chain());
        assertThat(svid.leaf()).isEqualTo(issued.leaf());
        assertThat(svid.notBefore()).isEqualTo(from);
        assertThat(svid.notAfter()).isEqualTo(from.plus(Duration.ofHours(1)));
        assertThat(svid.renewAt()).isEqualTo(from.plus(Duration.ofMinutes(30)));
    }

    @Test
    void of_keyOfAnotherLeaf_isRejected() {
        TestPki.Issued issued = pki.leaf(ID).issue();
        PrivateKey otherKey = pki.leaf(ID).issue().keyPair().getPrivate();

        assertThatThrownBy(() -> X509Svid.of(issued.chain(), otherKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("X.509-SVID " + ID + ": the private key (EC) does not belong to the leaf certificate"
                        + " (expected: the leaf's own key)");
    }

    @Test
    void of_rsaKeyForAnEcLeaf_isRejected() throws Exception {
        TestPki.Issued issued = pki.leaf(ID).issue();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);

        assertThatThrownBy(() -> X509Svid.of(issued.chain(), rsa.generateKeyPair().getPrivate()))
                .hasMessageContaining("does not belong to the leaf certificate");
    }

    @Test
    void of_leafThatIsACa_isRejectedWithTheRule() {
        TestPki.Issued issued = pki.leaf(ID).ca().issue();

        assertThatThrownBy(issued::svid)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("X.509-SVID: leaf certificate " + ID
                        + " is a CA (expected: basicConstraints CA=false on an X.509-SVID leaf)");
    }

    @Test
    void of_emptyChain_isRejected() {
        PrivateKey key = pki.leaf(ID).issue().keyPair().getPrivate();

        assertThatThrownBy(() -> X509Svid.of(List.of(), key))
                .hasMessage("X.509-SVID chain: empty (expected: the leaf certificate first, then its intermediates)");
    }

    @Test
    void of_chainWithALeafInPlaceOfTheIntermediate_isRejected() {
        TestPki.Issued issued = pki.leaf(ID).issue();
        List<java.security.cert.X509Certificate> chain = List.of(issued.leaf(), pki.leaf(ID).issue().leaf());

        assertThatThrownBy(() -> X509Svid.of(chain, issued.keyPair().getPrivate()))
                .hasMessage("X.509-SVID: chain certificate 1 is not a CA (expected: basicConstraints CA=true on an intermediate)");
    }

    @Test
    void toString_namesTheIdButNeverTheKey() {
        X509Svid svid = pki.leaf(ID).issue().svid();
        String encodedKey = java.util.Base64.getEncoder().encodeToString(svid.privateKey().getEncoded());

        assertThat(svid.toString()).contains(ID).contains("key=****").doesNotContain(encodedKey.substring(0, 20));
    }
}
