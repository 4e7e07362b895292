package io.meshid.ca.issuance;

import io.meshid.ca.authority.SigningAuthority;
import io.meshid.common.spiffe.SpiffeId;
import java.io.IOException;
import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import io.meshid.common.authz.AdminMark;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * Builds X.509-SVID leaves as the SPIFFE X.509-SVID standard asks: the SPIFFE ID as the only URI
 * SAN (DNS SANs beside it when requested), {@code CA:false}, {@code digitalSignature} key usage,
 * serverAuth and clientAuth extended key usage, subject and authority key identifiers, and the
 * {@link AdminMark} for an admin entry's SVID. Stateless
 * and thread-safe.
 */
final class LeafBuilder {

    /** The signed leaf in DER. */
    byte[] build(SigningAuthority issuer, SpiffeId id, List<String> dnsNames, SubjectPublicKeyInfo key, BigInteger serial,
            Instant notBefore, Instant notAfter) {
        return build(issuer, id, dnsNames, key, serial, notBefore, notAfter, false, List.of());
    }

    /** The signed leaf in DER; with {@code admin}, it carries the {@link AdminMark}. */
    byte[] build(SigningAuthority issuer, SpiffeId id, List<String> dnsNames, SubjectPublicKeyInfo key, BigInteger serial,
            Instant notBefore, Instant notAfter, boolean admin, List<String> ipAddresses) {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "meshid")
                    .addRDN(BCStyle.OU, id.trustDomain().name())
                    .build();
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer.name(), serial, Date.from(notBefore),
                    Date.from(notAfter), subject, key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            // JcaX509ExtensionUtils holds a SHA-1 digest that is not thread-safe: one per certificate.
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuer.keyIdentifier());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
            dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            if (admin) {
                builder.addExtension(Extension.certificatePolicies, false, AdminMark.policies());
            }
            return builder.build(issuer.signer().contentSigner()).getEncoded();
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build the X.509-SVID of " + id, e);
        }
    }
}
