package io.meshid.common.csr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.EnumSet;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/** The one CSR check that identity-server and cert-authority share: each way a CSR can be bad. */
class WorkloadCsrTest {

    private static final SpiffeId ID = SpiffeId.parse("spiffe://csr.test/ns/a/sa/api");
    private static final Set<WorkloadCsr.KeyType> ALL = EnumSet.allOf(WorkloadCsr.KeyType.class);
    private static final int MAX = 8 * 1024;

    @FunctionalInterface
    private interface Extensions {
        void add(ExtensionsGenerator gen) throws Exception;
    }

    private static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static byte[] csr(KeyPair key, String algorithm, Extensions extensions) throws Exception {
        var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic());
        if (extensions != null) {
            ExtensionsGenerator gen = new ExtensionsGenerator();
            extensions.add(gen);
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, gen.generate());
        }
        return builder.build(new JcaContentSignerBuilder(algorithm).build(key.getPrivate())).getEncoded();
    }

    private static byte[] withNames(KeyPair key, GeneralName... names) throws Exception {
        return csr(key, "SHA256withECDSA", gen -> gen.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names)));
    }

    @Test
    void aGoodCsr_givesItsKeyTypeAndTheHashOfItsKey_andMayAskForItsIdAndDnsNames() throws Exception {
        KeyPair key = ec("secp256r1");
        byte[] der = withNames(key, new GeneralName(GeneralName.uniformResourceIdentifier, ID.toString()),
                new GeneralName(GeneralName.dNSName, "api.a.svc"));

        WorkloadCsr csr = WorkloadCsr.parse(der, MAX, ALL).checkRequests(ID, List.of("api.a.svc"));

        assertThat(csr.keyType()).isEqualTo(WorkloadCsr.KeyType.EC_P256);
        assertThat(csr.keySha256()).isEqualTo(WorkloadCsr.sha256Hex(key.getPublic().getEncoded()));
        assertThat(csr.der()).isEqualTo(der);
        assertThat(WorkloadCsr.parse(csr(ec("secp384r1"), "SHA384withECDSA", null), MAX, ALL).keyType())
                .isEqualTo(WorkloadCsr.KeyType.EC_P384);
    }

    @Test
    void malformedCsrs_areRefusedBeforeAnyNameIsLookedAt() throws Exception {
        byte[] good = csr(ec("secp256r1"), "SHA256withECDSA", null);
        byte[] badSignature = good.clone();
        badSignature[badSignature.length - 3] ^= 0x01;
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);

        assertRefused(new byte[0], "csr: empty");
        assertRefused(new byte[MAX + 1], "csr: " + (MAX + 1) + " bytes (expected: at most " + MAX + ")");
        assertRefused("-----BEGIN CERTIFICATE REQUEST-----".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "csr: not a PKCS#10 certificate request");
        assertRefused(truncated, "csr: not a PKCS#10 certificate request");
        assertRefused(badSignature, "csr: signature does not verify");
    }

    @Test
    void possessionVerifiedByTheCaller_skipsOnlyTheSignatureItself() throws Exception {
        KeyPair key = ec("secp256r1");
        byte[] badSignature = csr(key, "SHA256withECDSA", null);
        badSignature[badSignature.length - 3] ^= 0x01;
        WorkloadCsr.Possession trusted = WorkloadCsr.Possession.VERIFIED_BY_CALLER;

        assertThat(WorkloadCsr.parse(badSignature, MAX, ALL, trusted).keySha256())
                .isEqualTo(WorkloadCsr.sha256Hex(key.getPublic().getEncoded()));
        assertThatThrownBy(() -> WorkloadCsr.parse(badSignature, MAX, ALL, WorkloadCsr.Possession.VERIFY))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("csr: signature does not verify");
        byte[] sha1 = csr(key, "SHA1withECDSA", null);
        assertThatThrownBy(() -> WorkloadCsr.parse(sha1, MAX, ALL, trusted))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("(expected: ECDSA or RSA PKCS#1 with SHA-256");
        byte[] p384 = csr(ec("secp384r1"), "SHA384withECDSA", null);
        assertThatThrownBy(() -> WorkloadCsr.parse(p384, MAX, EnumSet.of(WorkloadCsr.KeyType.EC_P256), trusted))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("csr: key is EC 384-bit curve");
    }

    @Test
    void aKeyOffItsCurve_isRefused_alsoWhenTheCallerVerifiedPossession() throws Exception {
        for (String curve : List.of("secp256r1", "secp384r1")) {
            KeyPair key = ec(curve);
            byte[] der = csr(key, "SHA256withECDSA", null);
            byte[] point = ((ECPublicKey) key.getPublic()).getW().getAffineY().toByteArray();
            int at = indexOf(der, java.util.Arrays.copyOfRange(point, point.length - 8, point.length));
            assertThat(at).as("the key's y coordinate in the CSR").isPositive();
            der[at + 7] ^= 0x01;

            for (WorkloadCsr.Possession possession : WorkloadCsr.Possession.values()) {
                assertThatThrownBy(() -> WorkloadCsr.parse(der, MAX, ALL, possession)).as(curve + ", " + possession)
                        .isInstanceOf(MeshidException.InvalidArgument.class)
                        .hasMessage("csr: its public key does not parse (expected: an EC or RSA public key)");
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void keysOfOtherTypesOrSizes_areRefused_andAServerMayAllowFewer() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        byte[] rsa2048 = csr(rsa.generateKeyPair(), "SHA256withRSA", null);
        byte[] p384 = csr(ec("secp384r1"), "SHA384withECDSA", null);

        assertRefused(rsa2048, "csr: key is RSA 2048 (expected: one of [EC_P256, EC_P384, RSA_3072])");
        assertThatThrownBy(() -> WorkloadCsr.parse(p384, MAX, EnumSet.of(WorkloadCsr.KeyType.EC_P256)))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessage("csr: key is EC 384-bit curve (expected: one of [EC_P256])");
    }

    @Test
    void rightsAndNamesNotAskedFor_areRefused() throws Exception {
        KeyPair key = ec("secp256r1");
        byte[] ca = csr(key, "SHA256withECDSA", gen -> gen.addExtension(Extension.basicConstraints, true, new BasicConstraints(true)));
        byte[] signer = csr(key, "SHA256withECDSA", gen -> gen.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign)));
        byte[] otherId = withNames(key, new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://csr.test/meshid/admin"));
        byte[] otherDns = withNames(key, new GeneralName(GeneralName.dNSName, "bank.example.com"));
        byte[] email = withNames(key, new GeneralName(GeneralName.rfc822Name, "a@csr.test"));

        assertNamesRefused(ca, "csr: asks for CA:true");
        assertNamesRefused(signer, "csr: asks for keyCertSign or cRLSign");
        assertNamesRefused(otherId, "csr: asks for the name 'spiffe://csr.test/meshid/admin' (expected: only " + ID);
        assertNamesRefused(otherDns, "csr: asks for the name 'bank.example.com'");
        assertNamesRefused(email, "csr: asks for the name 'a@csr.test'");
        assertThat(WorkloadCsr.parse(otherId, MAX, ALL).keyType()).as("parse alone does not look at names")
                .isEqualTo(WorkloadCsr.KeyType.EC_P256);
    }

    private static void assertRefused(byte[] der, String message) {
        assertThatThrownBy(() -> WorkloadCsr.parse(der, MAX, ALL)).isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageStartingWith(message).hasMessageContaining("expected:");
    }

    private static void assertNamesRefused(byte[] der, String message) {
        assertThatThrownBy(() -> WorkloadCsr.parse(der, MAX, ALL).checkRequests(ID, List.of("api.a.svc")))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith(message).hasMessageContaining("expected:");
    }
}
