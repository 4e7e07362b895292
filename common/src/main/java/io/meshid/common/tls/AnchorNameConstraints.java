package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
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
                // The subject and the SAN extension only, from the very certificate PKIX validated (re-parsing
                // the whole certificate with BouncyCastle was about a third of a server's client-chain check).
                X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
                validator.checkPermittedDN(subject);
                validator.checkExcludedDN(subject);
                byte[] san = cert.getExtensionValue(Extension.subjectAlternativeName.getId());
                GeneralNames names = san == null ? null : GeneralNames.getInstance(ASN1OctetString.getInstance(san).getOctets());
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
            } catch (RuntimeException e) {
                throw new SvidVerificationException("peer chain of " + id + " cannot be read for its names (expected: DER X.509 certificates)");
            }
        }
    }
}
