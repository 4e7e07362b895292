package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SvidVerifierTest {

    private static final String ID = "spiffe://example.org/ns/payments/sa/api";

    private final TestPki pki = TestPki.create("example.org");
    private final SvidVerifier verifier = new SvidVerifier();
    private final Instant now = Instant.now();

    @Test
    void check_reportsWhenTheChainStopsBeingValid_theEarliestNotAfterOfThePath() {
        Instant leafEnd = now.plus(Duration.ofMinutes(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        TestPki.Issued leaf = pki.leaf(ID).validity(now.minus(Duration.ofMinutes(1)), leafEnd).issue();

        SvidVerifier.Verified verified = verifier.check(leaf.chain(), pki.bundle(), now);

        assertThat(verified.spiffeId()).isEqualTo(SpiffeId.parse(ID));
        assertThat(verified.notAfter()).isEqualTo(leafEnd)
                .isBefore(pki.intermediate().getNotAfter().toInstant()).isBefore(pki.root().getNotAfter().toInstant());
    }

    @Test
    void verify_validChain_returnsTheSpiffeId() {
        List<X509Certificate> chain = pki.leaf(ID).issue().chain();

        assertThat(verifier.verify(chain, pki.bundle(), now)).isEqualTo(SpiffeId.parse(ID));
    }

    @Test
    void verify_chainThatCarriesItsRoot_isAccepted() {
        List<X509Certificate> chain = new ArrayList<>(pki.leaf(ID).issue().chain());
        chain.add(pki.root());

        assertThat(verifier.verify(chain, pki.bundle(), now)).isEqualTo(SpiffeId.parse(ID));
    }

    @Test
    void verify_leafUnderAnIntermediateInTheBundle_isAccepted() {
        List<X509Certificate> leafOnly = List.of(pki.leaf(ID).issue().leaf());
        X509Bundle withIntermediate = X509Bundle.of(pki.trustDomain(), List.of(pki.intermediate()), 3);

        assertThat(verifier.verify(leafOnly, withIntermediate, now)).isEqualTo(SpiffeId.parse(ID));
    }

    @Test
    void signatures_ofAnEcdsaPath_areCheckedByBoringSsl_whenConscryptIsRegistered() {
        List<X509Certificate> chain = pki.leaf(ID).issue().chain();

        // The build machines have Conscrypt; elsewhere the JDK's provider checks them (empty).
        assertThat(SvidVerifier.signatureProvider(chain)).isEqualTo(io.meshid.common.keys.CryptoProvider.registeredName());
        assertThat(io.meshid.common.keys.CryptoProvider.registeredName()).contains("Conscrypt");
        assertThat(java.security.Security.getProviders()[java.security.Security.getProviders().length - 1].getName())
                .as("registered last, so that no lookup without a provider name changes").isEqualTo("Conscrypt");
    }

    @Test
    void verify_leafWithATamperedSignature_isRejected_withTheNativeSignatureCheck() throws Exception {
        TestPki.Issued issued = pki.leaf(ID).issue();
        byte[] der = issued.leaf().getEncoded();
        der[der.length - 1] ^= 0x01; // the last byte of the signature's s
        X509Certificate tampered = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
        List<X509Certificate> chain = List.of(tampered, issued.chain().get(1));
        assertThat(SvidVerifier.signatureProvider(chain)).contains("Conscrypt");

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessageContaining(ID);
    }

    @Test
    void verify_leafSignedByAnotherKeyUnderTheSameIntermediateName_isRejected_withTheNativeSignatureCheck() {
        // Same names, other keys: only the signature arithmetic can tell them apart.
        TestPki other = TestPki.create("example.org");
        List<X509Certificate> chain = List.of(other.leaf(ID).issue().leaf(), pki.intermediate());

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessageContaining(ID);
    }

    @Test
    void verify_chainToAnUnknownRoot_isRejected() {
        List<X509Certificate> chain = TestPki.create("example.org").leaf(ID).issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("peer " + ID + " does not chain to the bundle of example.org (sequence 1, 1 authorities)"
                        + " (expected: a chain signed by one of its authorities)");
    }

    @Test
    void verify_leafWithoutItsIntermediate_isRejected() {
        List<X509Certificate> leafOnly = List.of(pki.leaf(ID).issue().leaf());

        assertThatThrownBy(() -> verifier.verify(leafOnly, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessageContaining("does not chain to the bundle of example.org");
    }

    @Test
    void verify_expiredLeaf_isRejected() {
        TestPki.Issued expired = pki.leaf(ID).expired().issue();

        assertThatThrownBy(() -> verifier.verify(expired.chain(), pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("peer leaf " + ID + " expired at " + expired.leaf().getNotAfter().toInstant()
                        + " (expected: valid at " + now + ")");
    }

    @Test
    void verify_leafNotYetValid_isRejected() {
        List<X509Certificate> chain = pki.leaf(ID).issue().chain();
        Instant before = now.minus(Duration.ofHours(1));

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), before))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessageStartingWith("peer leaf " + ID + " is not valid before ")
                .hasMessageEndingWith("(expected: valid at " + before + ")");
    }

    @Test
    void verify_leafWithTwoUriSans_isRejected() {
        List<X509Certificate> chain = pki.leaf(ID).alsoUri("spiffe://example.org/other").issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("leaf certificate has 2 URI SANs (expected: exactly one, the SPIFFE ID)");
    }

    @Test
    void verify_leafWithoutUriSan_isRejected() {
        List<X509Certificate> chain = pki.leaf(ID).noUri().issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("leaf certificate has no URI SANs (expected: exactly one, the SPIFFE ID)");
    }

    @Test
    void verify_leafWhoseUriIsNotSpiffe_isRejected() {
        List<X509Certificate> chain = pki.leaf("https://example.org/api").issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("leaf certificate URI SAN: SPIFFE ID: 'https://example.org/api'"
                        + " (expected: to start with spiffe:// in lowercase)");
    }

    @Test
    void verify_leafThatIsACa_isRejected() {
        List<X509Certificate> chain = pki.leaf(ID).ca().issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("leaf certificate " + ID + " is a CA (expected: basicConstraints CA=false on an X.509-SVID leaf)");
    }

    @Test
    void verify_leafWithKeyCertSign_isRejected() {
        List<X509Certificate> chain = pki.leaf(ID).withSigningUsages().issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("leaf certificate " + ID
                        + " has keyCertSign or cRLSign key usage (expected: neither on an X.509-SVID leaf)");
    }

    @Test
    void verify_leafOfAnotherTrustDomain_isRejected() {
        List<X509Certificate> chain = pki.leaf("spiffe://other.org/ns/a/sa/b").issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("peer spiffe://other.org/ns/a/sa/b is in trust domain other.org (expected: example.org)");
    }

    @Test
    void verify_intermediateThatIsNotACa_isRejected() {
        List<X509Certificate> chain = pki.withIntermediate(false, true).leaf(ID).issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("chain certificate 1 is not a CA (expected: basicConstraints CA=true on an intermediate)");
    }

    @Test
    void verify_intermediateWithoutKeyCertSign_isRejected() {
        List<X509Certificate> chain = pki.withIntermediate(true, false).leaf(ID).issue().chain();

        assertThatThrownBy(() -> verifier.verify(chain, pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("chain certificate 1 lacks keyCertSign key usage (expected: keyCertSign on an intermediate)");
    }

    @Test
    void verify_noChain_isRejected() {
        assertThatThrownBy(() -> verifier.verify(List.of(), pki.bundle(), now))
                .isInstanceOf(SvidVerificationException.class)
                .hasMessage("no peer certificate (expected: an X.509-SVID chain, leaf first)");
    }

    @Test
    void verify_bundleWithTwoRoots_acceptsChainsToEither() {
        TestPki other = TestPki.create("example.org");
        X509Bundle both = X509Bundle.of(pki.trustDomain(), List.of(pki.root(), other.root()), 2);

        assertThat(verifier.verify(pki.leaf(ID).issue().chain(), both, now)).hasToString(ID);
        assertThat(verifier.verify(other.leaf(ID).issue().chain(), both, now)).hasToString(ID);
    }
}
