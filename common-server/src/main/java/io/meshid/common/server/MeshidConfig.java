package io.meshid.common.server;

import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.file.Path;
import java.util.List;

/**
 * Settings every meshid server shares ({@code meshid.*}): the trust domain it serves by default
 * and the data directory of the embedded defaults. Validated at start-up: a bad value stops the
 * process with a message that names the key. Immutable after start-up.
 */
@Context
@ConfigurationProperties(MeshidConfig.PREFIX)
public final class MeshidConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid";

    private TrustDomain trustDomain = TrustDomain.of("meshid.local");
    private Path dataDir = Path.of("meshid-data");
    private List<String> adminPaths = List.of("/meshid/admin");
    private List<String> reservedPaths = List.of();

    /** The trust domain a server serves when a request names none ({@code meshid.trust-domain}). */
    public TrustDomain getTrustDomain() {
        return trustDomain;
    }

    /** Sets {@code meshid.trust-domain}; fails start-up on a name the SPIFFE standard refuses. */
    public void setTrustDomain(String trustDomain) {
        try {
            this.trustDomain = TrustDomain.of(trustDomain);
        } catch (InvalidSpiffeIdException e) {
            throw new ConfigurationException("meshid.trust-domain (env MESHID_TRUST_DOMAIN): " + e.getMessage());
        }
    }

    /** Where the embedded defaults keep their files ({@code meshid.data-dir}). */
    public Path getDataDir() {
        return dataDir;
    }

    /**
     * SPIFFE ID paths that are admin identities in their own trust domain
     * ({@code meshid.admin-paths}; {@code /meshid/admin} by default). An admin of one trust domain
     * is nobody in another. Who is an admin is {@code io.meshid.common.authz.Admins}' to say.
     */
    public List<String> getAdminPaths() {
        return adminPaths;
    }

    /** Sets {@code meshid.admin-paths}. */
    public void setAdminPaths(List<String> adminPaths) {
        this.adminPaths = List.copyOf(adminPaths);
    }

    /**
     * SPIFFE ID paths reserved in every trust domain besides {@code /meshid/*} and the admin paths
     * ({@code meshid.reserved-paths}; empty by default): set it to {@code meshid.ca.signers} on
     * identity-server when those lie outside {@code /meshid/}.
     */
    public List<String> getReservedPaths() {
        return reservedPaths;
    }

    /** Sets {@code meshid.reserved-paths}. */
    public void setReservedPaths(List<String> reservedPaths) {
        this.reservedPaths = List.copyOf(reservedPaths);
    }

    /** The identities no public rpc may register or have signed: {@code /meshid/*}, admin and reserved paths, and {@code more}. */
    public io.meshid.common.spiffe.ReservedIdentities reservedIdentities(java.util.Collection<String> more) {
        List<String> all = new java.util.ArrayList<>(adminPaths);
        all.addAll(reservedPaths);
        all.addAll(more);
        return new io.meshid.common.spiffe.ReservedIdentities(all);
    }

    /** Sets {@code meshid.data-dir}. */
    public void setDataDir(Path dataDir) {
        this.dataDir = dataDir;
    }
}
