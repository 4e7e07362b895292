package io.meshid.ca.servers;

import io.meshid.ca.CaConfig;
import io.meshid.ca.issuance.InternalIssuance;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.csr.WorkloadCsr;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.server.SourceAddressInterceptor;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.ServerNames;
import io.meshid.common.tls.TlsConfig;
import io.micronaut.context.annotation.Property;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The servers' own identities, issued by the CA itself (identity-server and policy-server are
 * reserved identities that no public rpc signs, so nobody else can): {@link #attest} with a server
 * join token made beside the CA ({@link ServerTokens}), or {@link #attestKubernetes} with a
 * Kubernetes service account token of an account granted a server identity by configuration
 * ({@link ServerAccounts}; reusable, so a restarted server attests again without a new token),
 * and {@link #renew} by a server over mutual
 * TLS with its current, valid SVID, for that same SPIFFE ID only. Only the paths of
 * {@code meshid.ca.server-identities} in the CA's own trust domain are ever issued here; never an
 * admin path and never the CA's own. The SVIDs name the hosts of {@code meshid.tls.server-names}, as
 * the CA's own does, so HTTPS clients verify them with the bundle alone. Every attestation is
 * audited ({@value #ATTEST_ACTION}): a success with the identity issued and the evidence, a refusal
 * with the token's fingerprint (never the token) and the caller's source address, repeats of the same refusal
 * folded into a counted event. Thread-safe.
 */
@Singleton
public final class ServerIdentities {

    /** How the journal names the caller of an issuance by join token. */
    static final String ATTESTED = "cert-authority (server join token)";
    /** The audit action of {@link #attest}. */
    public static final String ATTEST_ACTION = "ca.server.attest";

    private final InternalIssuance ca;
    private final ServerTokens tokens;
    private final ServerAccounts accounts;
    private final TrustDomain home;
    private final Set<String> paths;
    private final Duration ttl;
    private final List<String> serverNames;
    private final int maxCsrBytes;
    private final Set<WorkloadCsr.KeyType> allowedKeys;
    private final AuditLog audit;
    private final Clock clock;

    ServerIdentities(InternalIssuance ca, ServerTokens tokens, ServerAccounts accounts, MeshidConfig meshid, CaConfig config, TlsConfig tls, AuditLog audit,
            Optional<Clock> clock, @Nullable @Property(name = "meshid.test.server-svid-ttl") Duration testTtl) {
        this.ca = ca;
        this.tokens = tokens;
        this.accounts = accounts;
        this.audit = audit;
        this.clock = clock.orElseGet(Clock::systemUTC);
        this.home = meshid.getTrustDomain();
        this.paths = checkedPaths(config.getServerIdentities(), meshid.getAdminPaths());
        this.ttl = testTtl != null ? testTtl : config.getServerSvidTtl();
        this.serverNames = tls.getServerNames();
        this.maxCsrBytes = config.getMaxCsrBytes();
        this.allowedKeys = config.getAllowedCsrKeys().stream().map(a -> WorkloadCsr.KeyType.valueOf(a.name()))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The SPIFFE IDs this CA issues to servers. */
    public List<SpiffeId> identities() {
        return paths.stream().sorted().map(p -> SpiffeId.of(home, p)).toList();
    }

    /** Whether {@code id} is one of {@link #identities()}. */
    public boolean isServerIdentity(SpiffeId id) {
        return id.trustDomain().equals(home) && paths.contains(id.path());
    }

    /** A new join token for server identity {@code id}, single use, valid for {@code tokenTtl} (1 minute to 24 hours). */
    public String createToken(SpiffeId id, Duration tokenTtl) {
        requireServerIdentity("spiffe_id", id);
        if (tokenTtl.compareTo(Duration.ofMinutes(1)) < 0 || tokenTtl.compareTo(Duration.ofHours(24)) > 0) {
            throw new MeshidException.InvalidArgument("ttl: " + tokenTtl + " (expected: between PT1M and PT24H)");
        }
        return tokens.create(id, tokenTtl);
    }

    /**
     * Attestation with a server join token: uses the token up and signs the CSR for the identity it
     * names. {@code requested}, when given, must be that identity.
     *
     * @throws MeshidException.Unauthenticated for an unknown, used or expired token (one message for all)
     */
    public IssuedX509Svid attest(String joinToken, byte[] csr, Optional<SpiffeId> requested) {
        String token = "join token " + fingerprint(joinToken);
        checkCsr(token, csr);
        Optional<SpiffeId> named = tokens.redeem(joinToken).filter(this::isServerIdentity);
        if (named.isEmpty()) {
            MeshidException e = new MeshidException.Unauthenticated("join_token: not a valid server join token of this CA "
                    + "(expected: an unused, unexpired token from the CA's bootstrap command; tokens are single use)");
            refused(token, e);
            throw e;
        }
        return issue(token, named.get(), "the token names", csr, requested, ATTESTED);
    }

    /**
     * Attestation with a Kubernetes projected service account token of {@code cluster}: signs the
     * CSR for the server identity the token's account is granted ({@link ServerAccounts}).
     * {@code requested}, when given, must be that identity. The token is not used up: the same
     * account attests again after a restart, or when its SVID expired unrenewed.
     *
     * @throws MeshidException.Unauthenticated for a token that does not verify (signature, issuer,
     *     audience other than the CA's SPIFFE ID alone, expiry, unknown cluster)
     * @throws MeshidException.PermissionDenied for an account granted no server identity, or asking for another
     */
    public IssuedX509Svid attestKubernetes(String cluster, String token, byte[] csr, Optional<SpiffeId> requested) {
        String evidence = "kubernetes token " + fingerprint(token);
        checkCsr(evidence, csr);
        ServerAccounts.Granted granted;
        try {
            granted = accounts.identityOf(cluster, token);
        } catch (MeshidException e) {
            refused(evidence, e);
            throw e;
        }
        return issue(evidence + " of " + granted.subject(), granted.id(), "the service account is granted", csr, requested,
                "cert-authority (kubernetes service account " + granted.subject() + ")");
    }

    /** Refuses (audited) a CSR that cannot be signed, before any evidence is spent; the CA checks it again when signing. */
    private void checkCsr(String evidence, byte[] csr) {
        try {
            WorkloadCsr.parse(csr, maxCsrBytes, allowedKeys);
        } catch (MeshidException e) {
            refused(evidence, e);
            throw e;
        }
    }

    private IssuedX509Svid issue(String evidence, SpiffeId id, String why, byte[] csr, Optional<SpiffeId> requested, String caller) {
        if (requested.isPresent() && !requested.get().equals(id)) {
            MeshidException e = new MeshidException.PermissionDenied("spiffe_id: " + requested.get() + " (expected: " + id
                    + ", the identity " + why + ")");
            refused(evidence, e);
            throw e;
        }
        IssuedX509Svid issued = ca.signInternal(params(csr, id, caller));
        audit.recordSoon(AuditEvent.of(clock.instant(), home.name(), "anonymous", ATTEST_ACTION, id.toString(),
                AuditEvent.Outcome.SUCCESS, "serial " + issued.serial() + " with " + evidence + "; from " + source(),
                RequestIds.current()));
        return issued;
    }

    private void refused(String evidence, MeshidException e) {
        // Folded: one client retrying a bad token must not write a row per call.
        audit.recordRepeatable(AuditEvent.of(clock.instant(), home.name(), "anonymous", ATTEST_ACTION, evidence,
                AuditEvent.Outcome.DENIED, e.getMessage() + "; from " + source(), RequestIds.current()));
    }

    private static String source() {
        String address = SourceAddressInterceptor.current();
        return address == null || address.isEmpty() ? "an unknown address" : address;
    }

    /** The first 16 hex digits of the token's SHA-256: tells tokens apart in the audit trail, reveals nothing of them. */
    static String fingerprint(String token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Renewal by a server with its valid SVID ({@code caller}, checked by the TLS layer on this call): same SPIFFE ID, new key. */
    public IssuedX509Svid renew(SpiffeId caller, byte[] csr) {
        if (!isServerIdentity(caller)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " (expected: a server identity of this CA, one of "
                    + identities() + "; workloads renew at identity-server)");
        }
        return ca.signInternal(params(csr, caller, caller.toString()));
    }

    private X509SvidParams params(byte[] csr, SpiffeId id, String caller) {
        return new X509SvidParams(csr, id, Optional.of(ttl), ServerNames.dnsNames(serverNames), "", caller, false,
                serverNames.stream().filter(ServerNames::isIpLiteral).toList());
    }

    /** Refuses (INVALID_ARGUMENT, naming {@code field}) an {@code id} that is not a server identity of this CA. */
    public void requireServerIdentity(String field, SpiffeId id) {
        if (!isServerIdentity(id)) {
            throw new MeshidException.InvalidArgument(field + ": " + id + " (expected: a server identity of this CA, one of "
                    + identities() + ", from meshid.ca.server-identities)");
        }
    }

    static Set<String> checkedPaths(List<String> configured, List<String> adminPaths) {
        for (String path : configured) {
            String lower = path.toLowerCase(Locale.ROOT);
            boolean valid;
            try {
                valid = SpiffeId.of(TrustDomain.of("example.org"), path).path().equals(path);
            } catch (RuntimeException e) {
                valid = false;
            }
            if (!valid || !lower.startsWith("/meshid/") || lower.startsWith("/meshid/cert-authority")
                    || adminPaths.stream().anyMatch(a -> a.equalsIgnoreCase(path))) {
                throw new ConfigurationException("meshid.ca.server-identities: " + path + " (expected: paths under /meshid/ of "
                        + "the servers, such as /meshid/policy-server; never /meshid/cert-authority or an admin path " + adminPaths + ")");
            }
        }
        return Set.copyOf(configured);
    }
}
