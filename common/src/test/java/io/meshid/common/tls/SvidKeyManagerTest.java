package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.TestPki;
import org.junit.jupiter.api.Test;

class SvidKeyManagerTest {

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource source = new StaticSvidSource(pki.svid("/ns/a/sa/one"), pki.bundle());
    private final SvidKeyManager keyManager = new SvidKeyManager(source);

    @Test
    void aliasChosenBeforeARotation_stillGivesTheMatchingChainAndKey() {
        X509Svid old = source.svid();
        String alias = keyManager.chooseEngineServerAlias("EC", null, null);

        X509Svid renewed = pki.svid("/ns/a/sa/one");
        source.update(renewed);
        String next = keyManager.chooseEngineServerAlias("EC", null, null);

        assertThat(next).isNotEqualTo(alias);
        assertThat(keyManager.getCertificateChain(alias)).containsExactlyElementsOf(old.chain());
        assertThat(keyManager.getPrivateKey(alias)).isSameAs(old.privateKey());
        assertThat(keyManager.getCertificateChain(next)).containsExactlyElementsOf(renewed.chain());
        assertThat(keyManager.getPrivateKey(next)).isSameAs(renewed.privateKey());
    }

    @Test
    void keyTypeOfAnotherAlgorithm_getsNoAlias() {
        assertThat(keyManager.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(keyManager.chooseClientAlias(new String[] {"RSA", "EC"}, null, null)).startsWith("meshid-svid-");
        assertThat(keyManager.getServerAliases("EC_EC", null)).hasSize(1);
    }

    @Test
    void unknownAlias_hasNoKeyMaterial() {
        assertThat(keyManager.getCertificateChain("other")).isNull();
        assertThat(keyManager.getPrivateKey(null)).isNull();
    }
}
