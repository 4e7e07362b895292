package io.meshid.ca.authority;

import io.meshid.ca.keys.Serials;
import io.meshid.ca.keys.Signer;
import io.meshid.common.spiffe.TrustDomain;
import java.io.IOException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Makes the certificates of CA authorities: self-signed roots and intermediates signed by a root.
 * Both carry the trust domain's SPIFFE ID as their URI SAN, {@code CA:true} (an intermediate with
 * path length 0: it signs only leaves), {@code keyCertSign} and {@code cRLSign}, and key
 * identifiers. Intermediates also carry name constraints ({@link #nameConstraints}): a leaf they
 * sign for another trust domain, or for a DNS name outside the allow-list, fails path
 * validation even where meshid's own checks are not in the way. Thread-safe.
 */
final class AuthorityMinter {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** JcaX509ExtensionUtils holds a SHA-1 digest that is not thread-safe: one per use. */
    private static JcaX509ExtensionUtils extensions() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 for key identifiers is missing from the JDK", e);
        }
    }

    X509Certificate root(TrustDomain domain, Signer key, Instant notBefore, Instant notAfter) {
        X500Name subject = name(domain, "root");
        return build(domain, subject, key.publicKey(), subject, key, key.publicKey(), notBefore, notAfter, -1, Optional.empty());
    }

    X509Certificate intermediate(TrustDomain domain, Signer key, Authority root, Instant notBefore, Instant notAfter,
            List<String> dnsSuffixes) {
        X500Name issuer = X500Name.getInstance(root.certificate().getSubjectX500Principal().getEncoded());
        return build(domain, name(domain, "intermediate"), key.publicKey(), issuer, root.signer(),
                root.certificate().getPublicKey(), notBefore, notAfter, 0, Optional.of(nameConstraints(domain, dnsSuffixes)));
    }

    /**
     * What an intermediate may sign, as RFC 5280 name constraints (critical): URIs whose host is
     * the trust domain (the SPIFFE IDs of that trust domain only), and DNS names under the allowed
     * suffixes. With no suffix allowed, the one permitted DNS subtree is {@code invalid} (RFC 6761:
     * never a real name), so that no DNS name passes; without any DNS subtree every name would.
     * A trust domain that is not a host name (it has an {@code _}) gets no URI constraint: path
     * validators could not read such a URI's host.
     */
    static NameConstraints nameConstraints(TrustDomain domain, List<String> dnsSuffixes) {
        List<GeneralSubtree> permitted = new ArrayList<>();
        if (!domain.name().contains("_")) {
            permitted.add(new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, domain.name())));
        }
        List<String> dns = dnsSuffixes.isEmpty() ? List.of(NO_DNS_NAME) : dnsSuffixes;
        dns.forEach(suffix -> permitted.add(new GeneralSubtree(new GeneralName(GeneralName.dNSName, suffix))));
        return new NameConstraints(permitted.toArray(GeneralSubtree[]::new), null);
    }

    /** The DNS subtree that permits no real name (RFC 6761 reserves {@code .invalid}). */
    static final String NO_DNS_NAME = "invalid";

    /** The authority id for a public key: the hex of its subject key identifier. */
    String idOf(PublicKey key) {
        return HexFormat.of().formatHex(extensions().createSubjectKeyIdentifier(key).getKeyIdentifier());
    }

    private X509Certificate build(TrustDomain domain, X500Name subject, PublicKey subjectKey, X500Name issuer,
            Signer issuerSigner, PublicKey issuerKey, Instant notBefore, Instant notAfter, int pathLength,
            Optional<NameConstraints> constraints) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, Serials.next(),
                    Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
            builder.addExtension(Extension.basicConstraints, true,
                    pathLength < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLength));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            JcaX509ExtensionUtils extensions = extensions();
            SubjectKeyIdentifier ski = extensions.createSubjectKeyIdentifier(subjectKey);
            builder.addExtension(Extension.subjectKeyIdentifier, false, ski);
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuerKey));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, domain.idString())));
            if (constraints.isPresent()) {
                builder.addExtension(Extension.nameConstraints, true, constraints.get());
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(issuerSigner.contentSigner()));
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot build an authority certificate for " + domain, e);
        }
    }

    private static X500Name name(TrustDomain domain, String role) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "meshid")
                .addRDN(BCStyle.OU, domain.name())
                .addRDN(BCStyle.CN, "meshid " + role + " " + Long.toHexString(RANDOM.nextLong() >>> 16))
                .build();
    }
}
