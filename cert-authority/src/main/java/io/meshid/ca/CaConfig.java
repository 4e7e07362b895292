package io.meshid.ca;

import io.meshid.ca.keys.KeyAlgorithm;
import io.meshid.common.server.ConfigChecks;
import io.meshid.common.spiffe.DnsNames;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PostConstruct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;

/**
 * The CA's settings ({@code meshid.ca.*}): lifetimes of SVIDs and authorities, key types, who may
 * ask for certificates, and where the key-encryption key comes from. Checked at start-up.
 * Defaults follow SPIFFE practice: one-hour SVIDs renewed at half life, a week-long intermediate,
 * a year-long root.
 */
@Context
@ConfigurationProperties(CaConfig.PREFIX)
public final class CaConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.ca";

    private Duration defaultSvidTtl = Duration.ofHours(1);
    private Duration maxSvidTtl = Duration.ofHours(24);
    private Duration intermediateTtl = Duration.ofDays(7);
    private Duration rootTtl = Duration.ofDays(365);
    private Duration publishLead = Duration.ofHours(1);
    private Duration rotationCheckInterval = Duration.ofSeconds(10);
    private KeyAlgorithm keyAlgorithm = KeyAlgorithm.EC_P256;
    private Set<KeyAlgorithm> allowedCsrKeys = EnumSet.allOf(KeyAlgorithm.class);
    private List<String> trustDomains = new ArrayList<>();
    private List<String> signers = new ArrayList<>(List.of("/meshid/identity-server"));
    private List<String> serverIdentities = new ArrayList<>(List.of("/meshid/identity-server", "/meshid/policy-server"));
    private Duration serverSvidTtl = Duration.ofHours(1);
    private String keyEncryptionKey;
    private Path keyEncryptionKeyFile;
    private Path upstreamCertFile;
    private Path upstreamKeyFile;
    private Path upstreamBundleFile;
    private int maxCsrBytes = 8 * 1024;
    private int maxDnsNames = 16;
    private Map<TrustDomain, List<String>> dnsNameSuffixes = Map.of();

    /** TTL of an X.509-SVID when the caller asks for none ({@code meshid.ca.default-svid-ttl}). */
    public Duration getDefaultSvidTtl() {
        return defaultSvidTtl;
    }

    public void setDefaultSvidTtl(Duration ttl) {
        this.defaultSvidTtl = ConfigChecks.between(PREFIX + ".default-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    /** Longest TTL a caller may ask for ({@code meshid.ca.max-svid-ttl}). */
    public Duration getMaxSvidTtl() {
        return maxSvidTtl;
    }

    public void setMaxSvidTtl(Duration ttl) {
        this.maxSvidTtl = ConfigChecks.between(PREFIX + ".max-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    /** Lifetime of an intermediate ({@code meshid.ca.intermediate-ttl}). */
    public Duration getIntermediateTtl() {
        return intermediateTtl;
    }

    public void setIntermediateTtl(Duration ttl) {
        this.intermediateTtl = ConfigChecks.between(PREFIX + ".intermediate-ttl", ttl, Duration.ofMinutes(10), Duration.ofDays(3650));
    }

    /** Lifetime of a root ({@code meshid.ca.root-ttl}). */
    public Duration getRootTtl() {
        return rootTtl;
    }

    public void setRootTtl(Duration ttl) {
        this.rootTtl = ConfigChecks.between(PREFIX + ".root-ttl", ttl, Duration.ofMinutes(30), Duration.ofDays(36500));
    }

    /** How long a new authority is in the bundle before it signs ({@code meshid.ca.publish-lead}). */
    public Duration getPublishLead() {
        return publishLead;
    }

    public void setPublishLead(Duration lead) {
        this.publishLead = ConfigChecks.between(PREFIX + ".publish-lead", lead, Duration.ZERO, Duration.ofDays(30));
    }

    /** How often the rotation schedule is checked ({@code meshid.ca.rotation-check-interval}). */
    public Duration getRotationCheckInterval() {
        return rotationCheckInterval;
    }

    public void setRotationCheckInterval(Duration interval) {
        this.rotationCheckInterval = ConfigChecks.between(PREFIX + ".rotation-check-interval", interval,
                Duration.ofMillis(100), Duration.ofHours(1));
    }

    /** Key type of new authorities ({@code meshid.ca.key-algorithm}: EC_P256, EC_P384, RSA_3072). */
    public KeyAlgorithm getKeyAlgorithm() {
        return keyAlgorithm;
    }

    public void setKeyAlgorithm(KeyAlgorithm keyAlgorithm) {
        this.keyAlgorithm = keyAlgorithm;
    }

    /** Key types accepted in CSRs ({@code meshid.ca.allowed-csr-keys}); all three by default. */
    public Set<KeyAlgorithm> getAllowedCsrKeys() {
        return allowedCsrKeys;
    }

    public void setAllowedCsrKeys(Set<KeyAlgorithm> keys) {
        if (keys == null || keys.isEmpty()) {
            throw new ConfigurationException(PREFIX + ".allowed-csr-keys: empty (expected: some of EC_P256, EC_P384, RSA_3072)");
        }
        this.allowedCsrKeys = EnumSet.copyOf(keys);
    }

    /** Trust domains to create authorities for at start-up, besides {@code meshid.trust-domain}. */
    public List<String> getTrustDomains() {
        return trustDomains;
    }

    public void setTrustDomains(List<String> trustDomains) {
        this.trustDomains = List.copyOf(trustDomains);
    }

    /**
     * SPIFFE ID paths, in each served trust domain, of the servers allowed to have SVIDs signed
     * ({@code meshid.ca.signers}; identity-server's by default). Admin identities may too.
     */
    public List<String> getSigners() {
        return signers;
    }

    public void setSigners(List<String> signers) {
        this.signers = List.copyOf(signers);
    }

    /**
     * SPIFFE ID paths of the servers that attest to the CA itself ({@code meshid.ca.server-identities};
     * identity-server's and policy-server's by default): the only identities the CA's {@code Attest}
     * and {@code RenewX509Svid} issue, in its own trust domain. Each must lie under {@code /meshid/}
     * and be neither the CA's own path nor an admin path.
     */
    public List<String> getServerIdentities() {
        return serverIdentities;
    }

    public void setServerIdentities(List<String> serverIdentities) {
        this.serverIdentities = List.copyOf(serverIdentities);
    }

    /** Lifetime of the servers' SVIDs ({@code meshid.ca.server-svid-ttl}, PT1M to P1D; default PT1H). */
    public Duration getServerSvidTtl() {
        return serverSvidTtl;
    }

    public void setServerSvidTtl(Duration ttl) {
        this.serverSvidTtl = ConfigChecks.between(PREFIX + ".server-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(1));
    }

    /** The key-encryption key in base64 ({@code MESHID_CA_KEY_ENCRYPTION_KEY}); prefer the file. */
    public Optional<String> getKeyEncryptionKey() {
        return Optional.ofNullable(keyEncryptionKey).filter(s -> !s.isBlank());
    }

    public void setKeyEncryptionKey(String keyEncryptionKey) {
        this.keyEncryptionKey = keyEncryptionKey;
    }

    /** A file holding the key-encryption key in base64 ({@code meshid.ca.key-encryption-key-file}). */
    public Optional<Path> getKeyEncryptionKeyFile() {
        return Optional.ofNullable(keyEncryptionKeyFile);
    }

    public void setKeyEncryptionKeyFile(Path file) {
        this.keyEncryptionKeyFile = file;
    }

    /**
     * An upstream CA certificate issued to meshid by the operator's PKI, then any certificates up
     * to its root, in PEM ({@code meshid.ca.upstream-cert-file}). When set, it replaces the
     * self-signed root of {@code meshid.trust-domain}.
     */
    public Optional<Path> getUpstreamCertFile() {
        return Optional.ofNullable(upstreamCertFile);
    }

    public void setUpstreamCertFile(Path file) {
        this.upstreamCertFile = file;
    }

    /** The upstream CA certificate's private key, PEM ({@code meshid.ca.upstream-key-file}). */
    public Optional<Path> getUpstreamKeyFile() {
        return Optional.ofNullable(upstreamKeyFile);
    }

    public void setUpstreamKeyFile(Path file) {
        this.upstreamKeyFile = file;
    }

    /** The upstream roots, published in the bundle, PEM ({@code meshid.ca.upstream-bundle-file}). */
    public Optional<Path> getUpstreamBundleFile() {
        return Optional.ofNullable(upstreamBundleFile);
    }

    public void setUpstreamBundleFile(Path file) {
        this.upstreamBundleFile = file;
    }

    /** Largest CSR accepted, in bytes ({@code meshid.ca.max-csr-bytes}). */
    public int getMaxCsrBytes() {
        return maxCsrBytes;
    }

    public void setMaxCsrBytes(int bytes) {
        this.maxCsrBytes = ConfigChecks.between(PREFIX + ".max-csr-bytes", bytes, 256, 1 << 20);
    }

    /** Most DNS names in one SVID ({@code meshid.ca.max-dns-names}). */
    public int getMaxDnsNames() {
        return maxDnsNames;
    }

    public void setMaxDnsNames(int count) {
        this.maxDnsNames = ConfigChecks.between(PREFIX + ".max-dns-names", count, 0, 1000);
    }

    /**
     * The DNS name suffixes each trust domain may have in its SVIDs ({@code meshid.ca.dns-name-suffixes}:
     * a list of {@code <trust-domain>=<suffix>}, one pair per suffix). A name is allowed when it is
     * a suffix or ends with {@code .<suffix>}; a trust domain without a pair gets no DNS names at all.
     * The same suffixes go into each new intermediate as permitted DNS name constraints.
     */
    public List<String> allowedDnsSuffixes(TrustDomain domain) {
        return dnsNameSuffixes.getOrDefault(domain, List.of());
    }

    /** Sets {@code meshid.ca.dns-name-suffixes}; fails start-up on a pair that does not parse. */
    public void setDnsNameSuffixes(List<String> pairs) {
        Map<TrustDomain, List<String>> out = new TreeMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            String suffix = eq < 0 ? "" : pair.substring(eq + 1).strip();
            TrustDomain domain;
            try {
                domain = TrustDomain.of(eq < 0 ? "" : pair.substring(0, eq).strip());
                DnsNames.check(List.of(suffix), 1);
            } catch (RuntimeException e) {
                throw new ConfigurationException(PREFIX + ".dns-name-suffixes: '" + pair + "' (expected: <trust-domain>=<dns-suffix>,"
                        + " such as prod.example.org=svc.cluster.local; " + e.getMessage() + ")");
            }
            out.computeIfAbsent(domain, d -> new ArrayList<>()).add(suffix);
        }
        out.replaceAll((d, list) -> List.copyOf(list));
        this.dnsNameSuffixes = Map.copyOf(out);
    }

    @PostConstruct
    void checkConsistent() {
        if (defaultSvidTtl.compareTo(maxSvidTtl) > 0) {
            throw new ConfigurationException(PREFIX + ".max-svid-ttl: " + maxSvidTtl + " (expected: at least "
                    + PREFIX + ".default-svid-ttl, " + defaultSvidTtl + ")");
        }
    }
}
