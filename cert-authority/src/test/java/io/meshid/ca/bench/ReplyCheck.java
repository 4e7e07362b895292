package io.meshid.ca.bench;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Checks a sample of the certificates issued under load, after the measured window so that it
 * costs the load nothing: the leaf verifies under the intermediate sent with it, and its subject
 * and authority key identifiers are the SHA-1 of the leaf's and the issuer's keys (RFC 5280,
 * 4.2.1.2 method 1, which the CA uses). A throughput number is only worth something if what was
 * issued is right. Thread-safe for {@link #offer}; {@link #check} runs once at the end.
 */
final class ReplyCheck {

    private static final int EVERY = 20;
    private static final int KEEP = 5_000;

    private final AtomicLong seen = new AtomicLong();
    private final AtomicInteger kept = new AtomicInteger();
    private final Queue<ByteString[]> sample = new ConcurrentLinkedQueue<>();

    /** Keeps one reply in {@value #EVERY}, at most {@value #KEEP}: the leaf and its issuer, as sent. */
    void offer(Supplier<ByteString[]> leafAndIssuer) {
        if (seen.incrementAndGet() % EVERY == 0 && kept.incrementAndGet() <= KEEP) {
            sample.add(leafAndIssuer.get());
        }
    }

    /** Problems found, by kind; {@code "checked"} holds the sample size, {@code "bad"} the certificates with any problem. */
    Map<String, Long> check() throws Exception {
        Map<String, Long> found = new TreeMap<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (ByteString[] pair : sample) {
            found.merge("checked", 1L, Long::sum);
            Map<String, Long> problems = new TreeMap<>();
            X509Certificate leaf = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pair[0].toByteArray()));
            X509Certificate issuer = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pair[1].toByteArray()));
            try {
                leaf.verify(issuer.getPublicKey());
            } catch (Exception e) {
                problems.put("signature does not verify", 1L);
            }
            byte[] ski = ASN1OctetString.getInstance(ASN1OctetString.getInstance(
                    leaf.getExtensionValue("2.5.29.14")).getOctets()).getOctets();
            if (!Arrays.equals(ski, keyId(leaf))) {
                problems.put("wrong subject key identifier", 1L);
            }
            byte[] aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                    leaf.getExtensionValue("2.5.29.35")).getOctets()).getKeyIdentifierObject().getOctets();
            if (!Arrays.equals(aki, keyId(issuer))) {
                problems.put("wrong authority key identifier", 1L);
            }
            problems.forEach((kind, n) -> found.merge(kind, n, Long::sum));
            if (!problems.isEmpty()) {
                found.merge("bad", 1L, Long::sum);
            }
        }
        return found;
    }

    private static byte[] keyId(X509Certificate certificate) throws Exception {
        byte[] key = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()).getPublicKeyData().getBytes();
        return MessageDigest.getInstance("SHA-1").digest(key);
    }
}
