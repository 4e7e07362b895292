package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraintValidatorException;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PKIXNameConstraintValidator;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * Applies a trust anchor's own name constraints to the certificates below it. The JDK's PKIX
 * validator refuses name constraints on a trust anchor, yet every bundle authority is an anchor,
 * intermediates included; without this check a leaf whose path ends at a constrained intermediate
 * of the bundle would escape the intermediate's constraints. Stateless and thread-safe.
 */
final class AnchorNameConstraints {

    private AnchorNameConstraints() {
    }

    /** @throws SvidVerificationException naming the name outside the anchor's constraints */
    static void check(X509Certificate anchor, List<X509Certificate> path, SpiffeId id) {
        byte[] extension = anchor.getExtensionValue(Extension.nameConstraints.getId());
        if (extension == null) {
            return;
        }
        PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
        try {
            NameConstraints constraints = NameConstraints.getInstance(ASN1OctetString.getInstance(extension).getOctets());
            if (constraints.getPermittedSubtrees() != null) {
                validator.intersectPermittedSubtree(constraints.getPermittedSubtrees());
            }
            if (constraints.getExcludedSubtrees() != null) {
                for (GeneralSubtree excluded : constraints.getExcludedSubtrees()) {
                    validator.addExcludedSubtree(excluded);
                }
            }
        } catch (RuntimeException e) {
            throw new SvidVerificationException("bundle authority " + anchor.getSubjectX500Principal()
                    + " has malformed name constraints (expected: DER NameConstraints)");
        }
        for (X509Certificate cert : path) {
            GeneralName current = null;
            try {
                X509CertificateHolder holder = new X509CertificateHolder(cert.getEncoded());
                X500Name subject = holder.getSubject();
                validator.checkPermittedDN(subject);
                validator.checkExcludedDN(subject);
                GeneralNames names = GeneralNames.fromExtensions(holder.getExtensions(), Extension.subjectAlternativeName);
                if (names != null) {
                    for (GeneralName name : names.getNames()) {
                        current = name;
                        validator.checkPermitted(name);
                        validator.checkExcluded(name);
                    }
                }
            } catch (NameConstraintValidatorException e) {
                throw new SvidVerificationException("peer " + id + ": the name " + (current == null ? "in the subject"
                        : "'" + current.getName() + "'") + " is outside the name constraints of bundle authority "
                        + anchor.getSubjectX500Principal() + " (expected: names that authority may certify)");
            } catch (CertificateEncodingException | IOException | RuntimeException e) {
                throw new SvidVerificationException("peer chain of " + id + " cannot be read for its names (expected: DER X.509 certificates)");
            }
        }
    }
}
