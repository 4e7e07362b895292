package io.meshid.ca.authority;

import io.meshid.ca.keys.Signer;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * The intermediate that signs leaves right now, with the chain that goes after a leaf: the
 * intermediate, and with an upstream CA also the upstream certificates below the upstream root
 * (roots are in the bundle). Immutable.
 */
public record SigningAuthority(String id, List<X509Certificate> chainAfterLeaf, Signer signer,
        AuthorityKeyIdentifier keyIdentifier, X500Name name) {

    /** Copies the chain; its first certificate is the intermediate's own. */
    public SigningAuthority {
        chainAfterLeaf = List.copyOf(chainAfterLeaf);
    }

    /** Derives what every leaf needs from the issuer (its key identifier, its name) once. */
    static SigningAuthority of(String id, List<X509Certificate> chainAfterLeaf, Signer signer) {
        X509Certificate own = chainAfterLeaf.get(0);
        try {
            return new SigningAuthority(id, chainAfterLeaf, signer,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(own.getPublicKey()),
                    X500Name.getInstance(own.getSubjectX500Principal().getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 for key identifiers is missing from the JDK", e);
        }
    }

    /** The intermediate's certificate. */
    public X509Certificate certificate() {
        return chainAfterLeaf.get(0);
    }

    /** No leaf may outlive this. */
    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }
}
