package io.meshid.ca.issuance;

import io.meshid.ca.CaConfig;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.authority.SigningAuthority;
import io.meshid.ca.journal.IssuanceJournal;
import io.meshid.ca.journal.IssuedCertificate;
import io.meshid.ca.keys.Serials;
import io.meshid.common.csr.WorkloadCsr;
import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.errors.MeshidException.PermissionDenied;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.DnsNames;
import io.meshid.common.spiffe.ReservedIdentities;
import io.meshid.common.spiffe.SpiffeId;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;

/**
 * Signs X.509-SVIDs: checks the request and the CSR ({@link WorkloadCsr}, the check identity-server also
 * makes, with this CA's allowed key types and size limit), picks the active intermediate of the SPIFFE
 * ID's trust domain, bounds the lifetime (never past the intermediate), builds and signs the
 * leaf, and journals it before handing it back (or, asynchronously, completes once it is
 * journaled). Reserved identities ({@link ReservedIdentities}: {@code /meshid/*}, the signer and
 * admin paths) are refused on {@link WorkloadCa}, the contract every adapter uses; only
 * {@link InternalIssuance} signs them. Thread-safe.
 */
@Singleton
final class DefaultWorkloadCa implements WorkloadCa, InternalIssuance {

    private static final Duration BACKDATE = Duration.ofSeconds(30);
    /** The shortest TTL; a test harness may lower it ({@code meshid.test.min-svid-ttl}) to show renewals quickly. */
    private final Duration minTtl;

    private final AuthorityManager authorities;
    private final IssuanceJournal journal;
    private final Clock clock;
    private final CaConfig config;
    private final Set<WorkloadCsr.KeyType> allowedKeys;
    private final LeafBuilder leaves = new LeafBuilder();
    private final ReservedIdentities reserved;

    DefaultWorkloadCa(AuthorityManager authorities, IssuanceJournal journal, Clock clock, CaConfig config, MeshidConfig meshid,
            @io.micronaut.context.annotation.Value("${meshid.test.min-svid-ttl:PT1M}") Duration minTtl) {
        this.minTtl = minTtl;
        this.reserved = meshid.reservedIdentities(config.getSigners());
        this.authorities = authorities;
        this.journal = journal;
        this.clock = clock;
        this.config = config;
        this.allowedKeys = config.getAllowedCsrKeys().stream().map(a -> WorkloadCsr.KeyType.valueOf(a.name()))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public IssuedX509Svid signX509Svid(X509SvidParams params) {
        reserved.refuse("spiffe_id", params.spiffeId());
        return signInternal(params);
    }

    @Override
    public IssuedX509Svid signInternal(X509SvidParams params) {
        Signed signed = sign(params);
        journal.record(signed.line());
        return signed.svid();
    }

    @Override
    public CompletableFuture<IssuedX509Svid> signX509SvidAsync(X509SvidParams params) {
        reserved.refuse("spiffe_id", params.spiffeId());
        Signed signed = sign(params);
        return journal.append(signed.line()).thenApply(done -> signed.svid());
    }

    /** A signed leaf and its journal line, not yet journaled. */
    private record Signed(IssuedX509Svid svid, IssuedCertificate line) {
    }

    private Signed sign(X509SvidParams params) {
        SpiffeId id = params.spiffeId();
        if (!authorities.trustDomains().contains(id.trustDomain())) {
            throw new InvalidArgument("spiffe_id: " + id + " is in trust domain " + id.trustDomain()
                    + " (expected: a trust domain this CA serves, one of " + authorities.trustDomains() + ")");
        }
        if (id.path().isEmpty()) {
            throw new InvalidArgument("spiffe_id: " + id + " has no path (expected: a workload ID such as spiffe://"
                    + id.trustDomain() + "/ns/<namespace>/sa/<service-account>)");
        }
        List<String> dnsNames = DnsNames.check(params.dnsNames(), config.getMaxDnsNames());
        checkDnsSuffixes(id, dnsNames);
        Duration ttl = checkTtl(params);
        WorkloadCsr csr = WorkloadCsr.parse(params.csrDer(), config.getMaxCsrBytes(), allowedKeys, params.possessionVerified()
                ? WorkloadCsr.Possession.VERIFIED_BY_CALLER : WorkloadCsr.Possession.VERIFY).checkRequests(id, dnsNames);

        SigningAuthority issuer = authorities.signer(id.trustDomain());
        Instant now = clock.instant();
        Instant notAfter = now.plus(ttl).isAfter(issuer.notAfter()) ? issuer.notAfter() : now.plus(ttl);
        BigInteger serial = Serials.next();
        Instant notBefore = now.minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS);
        notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
        byte[] leaf = leaves.build(issuer, id, dnsNames, csr.keyInfo(), serial, notBefore, notAfter, params.admin(),
                io.meshid.common.tls.ServerNames.ipAddresses(params.ipAddresses()));
        String serialHex = Serials.hex(serial);
        IssuedCertificate line = new IssuedCertificate(serialHex, id.trustDomain().name(), id.toString(), notBefore, notAfter,
                params.caller(), csr.keySha256(), dnsNames, params.entryId(), issuer.id(), now);
        return new Signed(new IssuedX509Svid(id, leaf, issuer.chainAfterLeaf(), serialHex, notBefore, notAfter), line);
    }

    /** Every DNS name is a suffix allowed for the trust domain or below one (the intermediate's name constraints say the same). */
    private void checkDnsSuffixes(SpiffeId id, List<String> dnsNames) {
        List<String> allowed = config.allowedDnsSuffixes(id.trustDomain());
        for (String name : dnsNames) {
            if (allowed.stream().noneMatch(suffix -> name.equals(suffix) || name.endsWith("." + suffix))) {
                throw new PermissionDenied("dns_names: '" + name + "' is not allowed in trust domain " + id.trustDomain()
                        + " (expected: a name under one of the suffixes " + allowed + ", from " + CaConfig.PREFIX
                        + ".dns-name-suffixes)");
            }
        }
    }

    private Duration checkTtl(X509SvidParams params) {
        Duration ttl = params.ttl().orElse(config.getDefaultSvidTtl());
        if (ttl.compareTo(minTtl) < 0 || ttl.compareTo(config.getMaxSvidTtl()) > 0) {
            throw new InvalidArgument("ttl: " + ttl + " (expected: between " + minTtl + " and " + config.getMaxSvidTtl()
                    + ", or unset for " + config.getDefaultSvidTtl() + ")");
        }
        return ttl;
    }

}
