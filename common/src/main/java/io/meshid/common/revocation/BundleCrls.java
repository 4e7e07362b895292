package io.meshid.common.revocation;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.common.v1.TrustBundle;
import java.io.ByteArrayInputStream;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The revoked serials listed in the CRLs of a trust bundle as cert-authority publishes it
 * ({@code GetTrustBundle}, {@code WatchTrustBundle}). The bundle is expected to come over a channel
 * authenticated as the CA, so the CRLs' signatures are not checked again. A CRL entry carries no
 * {@code notAfter}: an entry counts until the CRL's {@code nextUpdate} (the authority's expiry).
 * Used by the servers' {@code CaBundleRevocations} and by the sidecar. Stateless.
 */
public final class BundleCrls {

    private BundleCrls() {
    }

    /**
     * Every serial the CRLs of {@code bundle} list, as revocations of {@code domain}.
     *
     * @throws IllegalStateException naming the bundle when a CRL does not parse
     */
    public static List<RevokedSerial> revokedSerials(TrustDomain domain, TrustBundle bundle) {
        List<RevokedSerial> serials = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var der : bundle.getCrlsList()) {
                X509CRL crl = (X509CRL) factory.generateCRL(new ByteArrayInputStream(der.toByteArray()));
                Instant until = crl.getNextUpdate() == null ? Instant.MAX : crl.getNextUpdate().toInstant();
                if (crl.getRevokedCertificates() == null) {
                    continue;
                }
                for (X509CRLEntry entry : crl.getRevokedCertificates()) {
                    serials.add(new RevokedSerial(domain, entry.getSerialNumber(), until));
                }
            }
        } catch (CertificateException | CRLException e) {
            throw new IllegalStateException("the trust bundle of " + domain + " (sequence " + bundle.getSequenceNumber()
                    + ") holds a CRL that does not parse: " + e.getMessage(), e);
        }
        return List.copyOf(serials);
    }
}
