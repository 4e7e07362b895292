package io.meshid.ca.servers;

import io.meshid.ca.CaConfig;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.X509Svid;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The first admin of the CA's own trust domain, minted by the bootstrap command beside the CA
 * ({@link Bootstrap}; it holds the key-encryption key, without which no authority key unseals): an
 * SVID for the first admin path ({@code meshid.admin-paths}, {@code /meshid/admin} by default), once
 * per trust domain ({@code ca_bootstrap}). A second run is refused unless the operator says
 * {@code again} (the admin files were lost before another admin existed), and every run is in the
 * issuance journal and the audit trail ({@code ca.bootstrap.admin}). Further admins come from
 * registration entries with {@code admin = true}. Thread-safe.
 */
@Singleton
public final class FirstAdmin {

    /** The minted SVID and the trust bundle to verify the servers with. */
    public record Minted(X509Svid svid, TrustBundle bundle) {
    }

    private final DataSource dataSource;
    private final LocalSvidIssuer issuer;
    private final AuthorityManager authorities;
    private final AuditLog audit;
    private final TrustDomain home;
    private final SpiffeId admin;
    private final Duration maxTtl;
    private final Clock clock;

    FirstAdmin(DataSource dataSource, LocalSvidIssuer issuer, AuthorityManager authorities, AuditLog audit, MeshidConfig meshid,
            CaConfig config, Clock clock) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.issuer = issuer;
        this.authorities = authorities;
        this.audit = audit;
        this.home = meshid.getTrustDomain();
        this.admin = SpiffeId.of(home, meshid.getAdminPaths().getFirst());
        this.maxTtl = config.getMaxSvidTtl();
        this.clock = clock;
    }

    /**
     * Mints the first admin's SVID.
     *
     * @param ttl its lifetime, 1 minute to {@code meshid.ca.max-svid-ttl}
     * @param again whether a trust domain bootstrapped before may be bootstrapped once more
     * @param operator who ran the command (the OS user), for the journal and the audit trail
     * @throws MeshidException.FailedPrecondition when it was done before and {@code again} is false
     */
    public Minted mint(Duration ttl, boolean again, String operator) {
        if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(maxTtl) > 0) {
            throw new MeshidException.InvalidArgument("ttl: " + ttl + " (expected: between PT1M and " + maxTtl + ")");
        }
        authorities.ensure(home);
        Optional<String> before = previous();
        if (before.isPresent() && !again) {
            throw new MeshidException.FailedPrecondition("trust domain " + home + " was bootstrapped already (" + before.get()
                    + "); its first admin exists. Expected: an admin makes further admins (registration entries with admin = true);"
                    + " run with --again only if every admin credential is lost");
        }
        String actor = "bootstrap command (" + operator + ")";
        X509Svid svid = issuer.issue(admin, ttl, List.of(), actor);
        String serial = svid.leaf().getSerialNumber().toString(16);
        record(serial, before.isPresent());
        audit.record(AuditEvent.of(clock.instant(), home.name(), actor, "ca.bootstrap.admin", admin.toString(),
                AuditEvent.Outcome.SUCCESS, "serial " + serial + ", valid until " + svid.notAfter() + (before.isPresent()
                        ? ", again (bootstrapped before: " + before.get() + ")" : ""), ""));
        return new Minted(svid, authorities.bundle(home));
    }

    private Optional<String> previous() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT spiffe_id, serial, created_at FROM ca_bootstrap WHERE trust_domain = ?")) {
            ps.setString(1, home.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1) + " serial " + rs.getString(2) + " at "
                        + rs.getTimestamp(3).toInstant()) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("bootstrap: cannot read ca_bootstrap", e);
        }
    }

    private void record(String serial, boolean replace) {
        Instant now = clock.instant();
        String sql = replace ? "UPDATE ca_bootstrap SET spiffe_id = ?, serial = ?, created_at = ? WHERE trust_domain = ?"
                : "INSERT INTO ca_bootstrap (spiffe_id, serial, created_at, trust_domain) VALUES (?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, admin.toString());
            ps.setString(2, serial);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setString(4, home.name());
            ps.executeUpdate();
        } catch (SQLException e) {
            // Most likely a concurrent first run won the primary key: this one hands out nothing.
            throw new MeshidException.FailedPrecondition("trust domain " + home + ": another bootstrap ran at the same time ("
                    + e.getMessage() + "); nothing was written");
        }
    }
}
