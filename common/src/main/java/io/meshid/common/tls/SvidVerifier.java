package io.meshid.common.tls;

import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.spiffe.SpiffeId;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies a peer's X.509-SVID chain against a trust bundle, as a TLS peer does during the
 * handshake: the SPIFFE X.509-SVID rules for the leaf (exactly one URI SAN holding a valid SPIFFE
 * ID, not a CA, {@code digitalSignature}, neither {@code keyCertSign} nor {@code cRLSign}) and for
 * the intermediates (CA, {@code keyCertSign}); the leaf's trust domain equal to the bundle's; every
 * certificate valid at the given instant; and PKIX path validation
 * ({@link CertPathValidator}, revocation checking off) with every bundle authority as a trust anchor,
 * whose own name constraints also apply to the certificates below it.
 *
 * <p>The peer chain is the leaf first, then intermediates; it may also carry the authority it ends
 * at, which is then dropped, as is anything after the first certificate that is itself in the bundle.
 * No host name is checked: SPIFFE authenticates the SPIFFE ID, and authorizing it is the caller's job.
 * Stateless and thread-safe.
 */
public final class SvidVerifier {

    /** A verifier; it holds no state, so one instance may serve every handshake. */
    public SvidVerifier() {
    }

    /**
     * Returns the peer's SPIFFE ID when {@code peerChain} is a valid X.509-SVID of the bundle's
     * trust domain at {@code now}.
     *
     * @throws SvidVerificationException naming what was wrong and what was expected; safe to return to the peer
     */
    public SpiffeId verify(List<X509Certificate> peerChain, X509Bundle bundle, Instant now) {
        return check(peerChain, bundle, now).spiffeId();
    }

    /** A verified peer chain: the peer's SPIFFE ID and when the first certificate of its path (anchor included) expires. */
    public record Verified(SpiffeId spiffeId, Instant notAfter) {
    }

    /**
     * As {@link #verify}, also returning when the chain stops being valid: the earliest
     * {@code notAfter} of the leaf, the intermediates and the bundle authority it chains to.
     *
     * @throws SvidVerificationException naming what was wrong and what was expected; safe to return to the peer
     */
    public Verified check(List<X509Certificate> peerChain, X509Bundle bundle, Instant now) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(now, "now");
        if (peerChain == null || peerChain.isEmpty()) {
            throw new SvidVerificationException("no peer certificate (expected: an X.509-SVID chain, leaf first)");
        }
        X509Certificate leaf = peerChain.get(0);
        SpiffeId id = SvidRules.checkLeaf(leaf);
        if (!id.memberOf(bundle.trustDomain())) {
            throw new SvidVerificationException("peer " + id + " is in trust domain " + id.trustDomain()
                    + " (expected: " + bundle.trustDomain() + ")");
        }
        List<X509Certificate> path = pathBelowAnchors(peerChain, bundle, id);
        for (int i = 1; i < path.size(); i++) {
            SvidRules.checkSigning(path.get(i), i);
        }
        Date at = Date.from(now);
        for (int i = 0; i < path.size(); i++) {
            checkValidity(path.get(i), i, id, at, now);
        }
        PKIXCertPathValidatorResult result = validate(path, bundle, id, at);
        X509Certificate anchor = result.getTrustAnchor().getTrustedCert();
        if (anchor != null) {
            AnchorNameConstraints.check(anchor, path, id);
        }
        if (anchor != null && anchor.getNotAfter().before(at)) {
            throw new SvidVerificationException("peer " + id + " chains to a bundle authority that expired at "
                    + anchor.getNotAfter().toInstant() + " (expected: valid at " + now + ")");
        }
        Date notAfter = anchor != null ? anchor.getNotAfter() : path.get(0).getNotAfter();
        for (X509Certificate cert : path) {
            if (cert.getNotAfter().before(notAfter)) {
                notAfter = cert.getNotAfter();
            }
        }
        return new Verified(id, notAfter.toInstant());
    }

    /** The chain up to (not including) the first certificate that is a bundle authority. */
    private static List<X509Certificate> pathBelowAnchors(List<X509Certificate> chain, X509Bundle bundle, SpiffeId id) {
        List<X509Certificate> path = new ArrayList<>(chain.size());
        for (X509Certificate cert : chain) {
            if (cert == null) {
                throw new SvidVerificationException("peer chain of " + id + " holds a null certificate");
            }
            if (bundle.contains(cert)) {
                break;
            }
            path.add(cert);
        }
        if (path.isEmpty()) {
            throw new SvidVerificationException("peer leaf " + id + " is itself a bundle authority"
                    + " (expected: a leaf issued under one)");
        }
        return path;
    }

    private static void checkValidity(X509Certificate cert, int index, SpiffeId id, Date at, Instant now) {
        String which = index == 0 ? "leaf " + id : "chain certificate " + index + " of " + id;
        try {
            cert.checkValidity(at);
        } catch (CertificateExpiredException e) {
            throw new SvidVerificationException("peer " + which + " expired at " + cert.getNotAfter().toInstant()
                    + " (expected: valid at " + now + ")");
        } catch (CertificateNotYetValidException e) {
            throw new SvidVerificationException("peer " + which + " is not valid before "
                    + cert.getNotBefore().toInstant() + " (expected: valid at " + now + ")");
        }
    }

    private static PKIXCertPathValidatorResult validate(List<X509Certificate> path, X509Bundle bundle, SpiffeId id, Date at) {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(bundle.trustAnchors());
            parameters.setRevocationEnabled(false);
            parameters.setDate(at);
            signatureProvider(path).ifPresent(parameters::setSigProvider);
            return (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (CertPathValidatorException e) {
            throw new SvidVerificationException(describe(e, bundle, id, path.size()));
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("PKIX validation is not available", e);
        } catch (GeneralSecurityException e) {
            throw new SvidVerificationException("peer chain of " + id + " cannot be read as a certificate path"
                    + " (expected: DER X.509 certificates)");
        }
    }

    /**
     * Signature algorithms (by OID) whose checks go to BoringSSL through Conscrypt when it is
     * registered ({@link CryptoProvider#registeredName()}): ECDSA with SHA-2 and RSA PKCS#1 v1.5
     * with SHA-2. The JDK's own ECDSA verification took about 85 % of a handshake's CPU on a
     * server that verifies every client chain (issue 11 point 13); BoringSSL's is about ten times
     * faster. A path with any other algorithm (RSA-PSS, Ed25519, ...) is verified wholly by the
     * JDK's providers, as before, so that nothing valid is refused for want of an algorithm.
     * Only the signature arithmetic moves: PKIX still checks names, validity, key usage, basic
     * and name constraints, and the JDK's disabled-algorithm rules.
     */
    private static final Set<String> NATIVE_SIGNATURES = Set.of(
            "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",
            "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13");

    static Optional<String> signatureProvider(List<X509Certificate> path) {
        Optional<String> name = CryptoProvider.registeredName();
        if (name.isEmpty()) {
            return name;
        }
        for (X509Certificate cert : path) {
            if (!NATIVE_SIGNATURES.contains(cert.getSigAlgOID())) {
                return Optional.empty();
            }
        }
        return name;
    }

    private static String describe(CertPathValidatorException e, X509Bundle bundle, SpiffeId id, int length) {
        String bundleName = "the bundle of " + bundle.trustDomain() + " (sequence " + bundle.sequenceNumber()
                + ", " + bundle.authorities().size() + " authorities)";
        if (e.getReason() == PKIXReason.NO_TRUST_ANCHOR
                || e.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE && e.getIndex() == length - 1) {
            return "peer " + id + " does not chain to " + bundleName + " (expected: a chain signed by one of its authorities)";
        }
        String where = e.getIndex() < 0 ? "" : " at chain certificate " + e.getIndex();
        return "peer " + id + " failed path validation" + where + ": " + e.getReason()
                + " (expected: a valid chain to " + bundleName + ")";
    }
}
