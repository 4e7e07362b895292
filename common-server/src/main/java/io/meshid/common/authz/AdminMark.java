package io.meshid.common.authz;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.PolicyInformation;

/**
 * The mark that cert-authority puts in an X.509-SVID issued from a registration entry flagged
 * admin: a certificate policy ({@value #OID}, a UUID-based OID under {@code 2.25}, ITU-T X.667)
 * in the leaf's non-critical certificatePolicies extension. The CA sets it only when
 * identity-server (a signer) asks for it for an admin entry; a CSR's extensions are never copied.
 * A marked leaf is trusted as far as its chain is: it makes its holder an admin of its own trust
 * domain only ({@link Admins}). Stateless and thread-safe.
 */
public final class AdminMark {

    /** The certificate policy OID of an admin X.509-SVID. */
    public static final String OID = "2.25.130023229084329466321328608709582032569";

    /** {@link #OID} as an ASN.1 object identifier. */
    public static final ASN1ObjectIdentifier POLICY = new ASN1ObjectIdentifier(OID);

    private AdminMark() {
    }

    /** The certificatePolicies extension value that marks a leaf admin. */
    public static CertificatePolicies policies() {
        return new CertificatePolicies(new PolicyInformation(POLICY));
    }

    /** Whether {@code leaf} carries the admin mark; false for a leaf whose extension does not parse. */
    public static boolean isMarked(X509Certificate leaf) {
        byte[] value = leaf.getExtensionValue(Extension.certificatePolicies.getId());
        if (value == null) {
            return false;
        }
        try {
            CertificatePolicies policies = CertificatePolicies.getInstance(ASN1OctetString.getInstance(value).getOctets());
            return policies.getPolicyInformation(POLICY) != null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return false;
        }
    }
}
