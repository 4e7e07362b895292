package io.meshid.common.testing;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA for tests: a root, an intermediate under it, and leaf X.509-SVIDs under the
 * intermediate, all ECDSA P-256, made with BouncyCastle. {@link #leaf(String)} also makes the
 * broken leaves that verifiers must refuse (expired, a CA, no URI SAN, two URI SANs, any SPIFFE ID
 * including another trust domain's).
 *
 * <p>{@link #withNewIntermediate()} keeps the root and makes a new intermediate, as a rotation
 * does; {@link #create(String)} again gives an unrelated CA. Immutable and thread-safe.
 */
public final class TestPki {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final TrustDomain trustDomain;
    private final KeyPair rootKey;
    private final X509Certificate root;
    private final KeyPair intermediateKey;
    private final X509Certificate intermediate;

    private TestPki(TrustDomain trustDomain, KeyPair rootKey, X509Certificate root, KeyPair intermediateKey,
                    X509Certificate intermediate) {
        this.trustDomain = trustDomain;
        this.rootKey = rootKey;
        this.root = root;
        this.intermediateKey = intermediateKey;
        this.intermediate = intermediate;
    }

    /** A new root and intermediate for {@code trustDomain}, valid from a day ago for ten years. */
    public static TestPki create(String trustDomain) {
        TrustDomain td = TrustDomain.of(trustDomain);
        KeyPair rootKey = newKeyPair();
        Instant now = Instant.now();
        X500Name rootName = new X500Name("O=meshid test,CN=" + td.name() + " root " + NAMES.incrementAndGet());
        X509Certificate root = sign(ca(rootName, rootName, rootKey, now, true, true), rootKey.getPrivate());
        return new TestPki(td, rootKey, root, null, null).withNewIntermediate();
    }

    /** The same root with a new, well-formed intermediate. */
    public TestPki withNewIntermediate() {
        return withIntermediate(true, true);
    }

    /** The same root with a new intermediate that is a CA or not and has keyCertSign or not. */
    public TestPki withIntermediate(boolean isCa, boolean keyCertSign) {
        KeyPair key = newKeyPair();
        X500Name name = new X500Name("O=meshid test,CN=" + trustDomain.name() + " intermediate " + NAMES.incrementAndGet());
        X509Certificate cert = sign(ca(name, X500Name.getInstance(root.getSubjectX500Principal().getEncoded()), key,
                Instant.now(), isCa, keyCertSign), rootKey.getPrivate());
        return new TestPki(trustDomain, rootKey, root, key, cert);
    }

    /** The trust domain the CA serves. */
    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /** The self-signed root. */
    public X509Certificate root() {
        return root;
    }

    /** The intermediate that signs the leaves. */
    public X509Certificate intermediate() {
        return intermediate;
    }

    /** A bundle holding the root only, sequence 1. */
    public X509Bundle bundle() {
        return X509Bundle.of(trustDomain, List.of(root), 1);
    }

    /** A well-formed SVID for {@code path} ({@code /ns/x/sa/y}) in this trust domain, valid for an hour. */
    public X509Svid svid(String path) {
        return leaf(SpiffeId.of(trustDomain, path).toString()).issue().svid();
    }

    /** Starts a leaf with {@code uri} as its only URI SAN (any string, even one that is no SPIFFE ID). */
    public LeafBuilder leaf(String uri) {
        return new LeafBuilder(uri);
    }

    /** A leaf certificate chain (leaf, intermediate) and its key pair, checked by nothing. */
    public record Issued(List<X509Certificate> chain, KeyPair keyPair) {

        /** The leaf certificate. */
        public X509Certificate leaf() {
            return chain.get(0);
        }

        /** The chain and key as an {@link X509Svid}; fails for the deliberately broken leaves. */
        public X509Svid svid() {
            return X509Svid.of(chain, keyPair.getPrivate());
        }
    }

    /** Options of one leaf; every option has a well-formed default. Not thread-safe. */
    public final class LeafBuilder {

        private final List<String> uris = new ArrayList<>();
        private final List<GeneralName> hosts = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
        private Instant notAfter = Instant.now().plus(Duration.ofHours(1));
        private boolean isCa;
        private boolean signingUsages;
        /**
         * {@code AdminMark.OID}, spelled out because AdminMark lives in meshid-common-server, which this
         * test jar cannot depend on; AdminMarkTest checks that a leaf built with {@link #admin()} is marked.
         */
        private static final String ADMIN_MARK_OID = "2.25.130023229084329466321328608709582032569";
        private boolean admin;

        private LeafBuilder(String uri) {
            uris.add(uri);
        }

        /** Adds a second (third, ...) URI SAN. */
        public LeafBuilder alsoUri(String uri) {
            uris.add(uri);
            return this;
        }

        /** DNS names and IP literals (as a server SVID names the hosts it serves). */
        public LeafBuilder hosts(String... names) {
            for (String n : names) {
                hosts.add(new GeneralName(n.matches("[0-9.]+") || n.contains(":") ? GeneralName.iPAddress : GeneralName.dNSName, n));
            }
            return this;
        }

        /** No URI SAN at all. */
        public LeafBuilder noUri() {
            uris.clear();
            return this;
        }

        /** Valid from {@code from} until {@code until} (default: five minutes ago for an hour). */
        public LeafBuilder validity(Instant from, Instant until) {
            notBefore = from;
            notAfter = until;
            return this;
        }

        /** Valid from two hours ago until one hour ago. */
        public LeafBuilder expired() {
            Instant now = Instant.now();
            return validity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)));
        }

        /** basicConstraints CA=true. */
        public LeafBuilder ca() {
            isCa = true;
            return this;
        }

        /** keyCertSign and cRLSign beside digitalSignature. */
        public LeafBuilder withSigningUsages() {
            signingUsages = true;
            return this;
        }

        /** Carries the admin mark ({@code io.meshid.common.authz.AdminMark}), as the CA sets it for an admin entry. */
        public LeafBuilder admin() {
            admin = true;
            return this;
        }

        /** Signs the leaf with the intermediate, with a new P-256 key. */
        public Issued issue() {
            KeyPair key = newKeyPair();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(intermediate, serial(),
                    Date.from(notBefore), Date.from(notAfter), new X500Name("O=meshid test"), key.getPublic());
            try {
                JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
                int usage = KeyUsage.digitalSignature | (signingUsages ? KeyUsage.keyCertSign | KeyUsage.cRLSign : 0);
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                if (!uris.isEmpty() || !hosts.isEmpty()) {
                    GeneralName[] names = java.util.stream.Stream.concat(uris.stream()
                            .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u)), hosts.stream()).toArray(GeneralName[]::new);
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                }
                builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key.getPublic()));
                builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(intermediate));
                if (admin) {
                    builder.addExtension(Extension.certificatePolicies, false, new org.bouncycastle.asn1.x509.CertificatePolicies(
                            new org.bouncycastle.asn1.x509.PolicyInformation(new org.bouncycastle.asn1.ASN1ObjectIdentifier(ADMIN_MARK_OID))));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new Issued(List.of(sign(builder, intermediateKey.getPrivate()), intermediate), key);
        }
    }

    private static X509v3CertificateBuilder ca(X500Name subject, X500Name issuer, KeyPair key, Instant now,
                                               boolean isCa, boolean keyCertSign) {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, key.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(keyCertSign ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key.getPublic()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return builder;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).setBit(62);
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
