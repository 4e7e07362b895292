package io.meshid.cli.svid;

import com.google.protobuf.ByteString;
import io.meshid.common.tls.Pem;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/** DER certificates from the API as PEM text. Stateless. */
public final class Pems {

    private Pems() {
    }

    /** PEM of {@code ders}, in order. */
    public static String certificates(List<ByteString> ders) {
        return Pem.writeCertificates(ders.stream().map(d -> parse(d.toByteArray())).toList());
    }

    /** One DER certificate. */
    public static X509Certificate parse(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException("the server sent a certificate that does not parse: " + e.getMessage(), e);
        }
    }
}
