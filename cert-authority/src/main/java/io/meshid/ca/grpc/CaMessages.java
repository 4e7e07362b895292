package io.meshid.ca.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.meshid.ca.authority.Authority;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.journal.IssuedCertificate;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.common.v1.X509Svid;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** Translations between the CA's domain values and its wire messages. Stateless. */
final class CaMessages {

    /** How often a bundle holder should refresh when it does not watch (the SPIFFE refresh hint). */
    static final Duration REFRESH_HINT = Duration.ofMinutes(5);

    private CaMessages() {
    }

    static SpiffeId spiffeId(String field, String value) {
        try {
            return SpiffeId.parse(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument(field + ": " + e.getMessage());
        }
    }

    static TrustDomain trustDomain(String value, TrustDomain fallback) {
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return TrustDomain.of(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument("trust_domain: " + e.getMessage());
        }
    }

    static X509Svid svid(IssuedX509Svid issued) {
        X509Svid.Builder b = X509Svid.newBuilder().setSpiffeId(issued.spiffeId().toString()).setSerialNumber(issued.serial())
                .setNotBefore(timestamp(issued.notBefore())).setNotAfter(timestamp(issued.notAfter()));
        issued.chainDer().forEach(c -> b.addCertChain(ByteString.copyFrom(c)));
        return b.build();
    }

    static io.meshid.proto.common.v1.TrustBundle bundle(TrustBundle bundle) {
        var b = io.meshid.proto.common.v1.TrustBundle.newBuilder()
                .setTrustDomain(bundle.trustDomain().name())
                .setSequenceNumber(bundle.sequence())
                .setRefreshHint(com.google.protobuf.Duration.newBuilder().setSeconds(REFRESH_HINT.toSeconds()))
                .setUpdatedAt(timestamp(bundle.updatedAt()));
        bundle.authorities().forEach(c -> b.addX509Authorities(der(c)));
        bundle.crls().forEach(crl -> {
            try {
                b.addCrls(ByteString.copyFrom(crl.getEncoded()));
            } catch (java.security.cert.CRLException e) {
                throw new IllegalStateException(e);
            }
        });
        return b.build();
    }

    static io.meshid.proto.ca.v1.Authority authority(Authority a) {
        return io.meshid.proto.ca.v1.Authority.newBuilder()
                .setLevel(a.level() == Authority.Level.ROOT ? AuthorityLevel.AUTHORITY_LEVEL_ROOT : AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE)
                .setAuthorityId(a.id())
                .setCertificate(der(a.certificate()))
                .setNotBefore(timestamp(a.notBefore()))
                .setNotAfter(timestamp(a.notAfter()))
                .build();
    }

    static io.meshid.proto.ca.v1.IssuedCertificate issued(IssuedCertificate c) {
        var b = io.meshid.proto.ca.v1.IssuedCertificate.newBuilder()
                .setSerialNumber(c.serial())
                .setSpiffeId(c.spiffeId())
                .setNotBefore(timestamp(c.notBefore()))
                .setNotAfter(timestamp(c.notAfter()))
                .setCaller(c.caller())
                .setPublicKeySha256(c.publicKeySha256())
                .addAllDnsNames(c.dnsNames())
                .setEntryId(c.entryId())
                .setIssuerAuthorityId(c.issuerId());
        c.revokedAt().ifPresent(t -> b.setRevokedAt(timestamp(t)));
        c.revocationReason().ifPresent(r -> b.setRevocationReason(io.meshid.proto.common.v1.RevocationReason.valueOf("REVOCATION_REASON_" + r)));
        return b.build();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static ByteString der(X509Certificate c) {
        try {
            return ByteString.copyFrom(c.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
