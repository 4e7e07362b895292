package io.meshid.ca.self;

import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.issuance.InternalIssuance;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.ca.keys.KeyAlgorithm;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Issues SVIDs that the CA process itself holds or hands out at start-up (its own server SVID,
 * and in dev mode those of the other servers and the admin): a fresh key pair in memory, a CSR,
 * and the CA's {@link InternalIssuance} door, which checks and journals them like every other
 * issuance but, unlike the public rpcs, may sign reserved identities ({@code /meshid/*}).
 * Thread-safe.
 */
@Singleton
public final class LocalSvidIssuer {

    /** How the CA appears in the journal as the caller of its own issuances. */
    static final String SELF = "cert-authority (local)";

    private final InternalIssuance ca;

    LocalSvidIssuer(InternalIssuance ca) {
        this.ca = ca;
    }

    /** A new SVID for {@code id} with a new P-256 key. */
    public X509Svid issue(SpiffeId id, Duration ttl) {
        return issue(id, ttl, List.of());
    }

    /**
     * A new server SVID for {@code id} with a new P-256 key that also names the hosts it serves
     * ({@code meshid.tls.server-names}: IP literals as IP SANs, other names as DNS SANs, which
     * must lie under the trust domain's {@code meshid.ca.dns-name-suffixes}).
     */
    public X509Svid issue(SpiffeId id, Duration ttl, List<String> serverNames) {
        return issue(id, ttl, serverNames, SELF);
    }

    /** As {@link #issue(SpiffeId, Duration, List)}, journaled with {@code caller} as who asked. */
    public X509Svid issue(SpiffeId id, Duration ttl, List<String> serverNames, String caller) {
        KeyPair pair = KeyAlgorithm.EC_P256.generate();
        IssuedX509Svid issued = ca.signInternal(new X509SvidParams(csr(pair), id, Optional.of(ttl),
                io.meshid.common.tls.ServerNames.dnsNames(serverNames), "", caller, false,
                serverNames.stream().filter(io.meshid.common.tls.ServerNames::isIpLiteral).toList()));
        return X509Svid.of(issued.chain(), pair.getPrivate());
    }

    /** The common TLS package's view of a bundle. */
    public static X509Bundle toX509Bundle(TrustBundle bundle) {
        return X509Bundle.of(bundle.trustDomain(), bundle.authorities(), bundle.sequence());
    }

    private static byte[] csr(KeyPair pair) {
        try {
            return new JcaPKCS10CertificationRequestBuilder(new X500Name("O=meshid"), pair.getPublic())
                    .build(new JcaContentSignerBuilder(KeyAlgorithm.EC_P256.signatureAlgorithm()).build(pair.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with a new P-256 key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
