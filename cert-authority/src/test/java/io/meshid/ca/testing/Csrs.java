package io.meshid.ca.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.InvalidAlgorithmParameterException;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** CSRs for tests, good and bad, made with BouncyCastle as a workload's tooling would. */
public final class Csrs {

    private Csrs() {
    }

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plain CSR for {@code pair}. */
    public static byte[] of(KeyPair pair) {
        return build(pair, null);
    }

    /** A CSR that asks for CA:true. */
    public static byte[] askingForCa(KeyPair pair) {
        return build(pair, gen -> gen.addExtension(Extension.basicConstraints, true, new BasicConstraints(true)));
    }

    /** A CSR that asks for a URI SAN. */
    public static byte[] askingForUri(KeyPair pair, String uri) {
        return build(pair, gen -> gen.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri))));
    }

    /** A CSR whose signature no longer matches (one bit of the signature flipped). */
    public static byte[] withBadSignature(KeyPair pair) {
        byte[] der = of(pair);
        der[der.length - 3] ^= 0x01;
        return der;
    }

    private interface Extensions {
        void add(ExtensionsGenerator gen) throws IOException;
    }

    private static byte[] build(KeyPair pair, Extensions extensions) {
        try {
            PKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=test"), pair.getPublic());
            if (extensions != null) {
                ExtensionsGenerator gen = new ExtensionsGenerator();
                extensions.add(gen);
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, gen.generate());
            }
            String algorithm = pair.getPublic().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
