package io.meshid.ca.issuance;

import io.meshid.common.spiffe.SpiffeId;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A signed X.509-SVID: the leaf as signed (DER), the issuer's chain after it, its serial in hex,
 * and its validity. The leaf stays in DER until someone asks for it parsed: the gRPC reply needs
 * only the bytes, and parsing costs a fifth of an issuance. Immutable.
 */
public record IssuedX509Svid(SpiffeId spiffeId, byte[] leafDer, List<X509Certificate> issuerChain, String serial,
        Instant notBefore, Instant notAfter) {

    /** Copies the inputs. */
    public IssuedX509Svid {
        leafDer = leafDer.clone();
        issuerChain = List.copyOf(issuerChain);
    }

    /** The chain in DER, leaf first. */
    public List<byte[]> chainDer() {
        List<byte[]> out = new ArrayList<>(issuerChain.size() + 1);
        out.add(leafDer.clone());
        for (X509Certificate c : issuerChain) {
            try {
                out.add(c.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** The chain parsed, leaf first. */
    public List<X509Certificate> chain() {
        try {
            List<X509Certificate> out = new ArrayList<>(issuerChain.size() + 1);
            out.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(leafDer)));
            out.addAll(issuerChain);
            return out;
        } catch (CertificateException e) {
            throw new IllegalStateException("a certificate this CA signed does not parse", e);
        }
    }
}
