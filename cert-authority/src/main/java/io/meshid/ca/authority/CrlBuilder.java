package io.meshid.ca.authority;

import io.meshid.ca.journal.IssuanceJournal;
import io.meshid.ca.journal.IssuedCertificate;
import io.meshid.common.spiffe.TrustDomain;
import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;

/**
 * The CRLs of a trust domain: one per authority that signed leaves which are revoked and not yet
 * expired, signed by that authority, listing each serial with its revocation time and reason,
 * valid until the authority itself expires. Built from the journal; a CRL is rebuilt only when
 * its set of revoked serials changed, so bundles built again and again carry the same bytes.
 * Thread-safe.
 */
final class CrlBuilder {

    private record Cached(List<String> serials, X509CRL crl) {
    }

    private final IssuanceJournal journal;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    CrlBuilder(IssuanceJournal journal) {
        this.journal = journal;
    }

    /** The CRLs for {@code domain}'s live {@code authorities} at {@code now}. */
    List<X509CRL> crls(TrustDomain domain, List<Authority> authorities, Instant now) {
        Map<String, List<IssuedCertificate>> byIssuer = journal.revokedUnexpired(domain.name(), now).stream()
                .collect(Collectors.groupingBy(IssuedCertificate::issuerId));
        List<X509CRL> out = new ArrayList<>();
        for (Authority a : authorities) {
            List<IssuedCertificate> revoked = byIssuer.get(a.id());
            if (revoked == null || revoked.isEmpty()) {
                continue;
            }
            List<String> serials = revoked.stream().map(IssuedCertificate::serial).toList();
            Cached held = cache.get(a.id());
            if (held == null || !held.serials().equals(serials)) {
                held = new Cached(serials, build(a, revoked));
                cache.put(a.id(), held);
            }
            out.add(held.crl());
        }
        return out;
    }

    private static X509CRL build(Authority issuer, List<IssuedCertificate> revoked) {
        Instant thisUpdate = revoked.stream().map(c -> c.revokedAt().orElseThrow()).max(Instant::compareTo).orElseThrow();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
                Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(issuer.notAfter()));
        for (IssuedCertificate c : revoked) {
            builder.addCRLEntry(new BigInteger(c.serial(), 16), Date.from(c.revokedAt().orElseThrow()), reasonCode(c.revocationReason().orElse("")));
        }
        try {
            return new JcaX509CRLConverter().getCRL(builder.build(issuer.signer().contentSigner()));
        } catch (CRLException e) {
            throw new IllegalStateException("CRL of " + issuer.id() + ": " + e.getMessage(), e);
        }
    }

    /** RFC 5280 reason codes for meshid's RevocationReason names. */
    private static int reasonCode(String reason) {
        return switch (reason) {
            case "KEY_COMPROMISE" -> CRLReason.keyCompromise;
            case "CA_COMPROMISE" -> CRLReason.cACompromise;
            case "AFFILIATION_CHANGED" -> CRLReason.affiliationChanged;
            case "SUPERSEDED" -> CRLReason.superseded;
            case "CESSATION_OF_OPERATION" -> CRLReason.cessationOfOperation;
            case "PRIVILEGE_WITHDRAWN" -> CRLReason.privilegeWithdrawn;
            default -> CRLReason.unspecified;
        };
    }
}
