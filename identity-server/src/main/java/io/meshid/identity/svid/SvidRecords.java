package io.meshid.identity.svid;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * identity-server's own record of the SVIDs it had signed ({@code id_svid}): one row per SPIFFE ID
 * and public key (its SPKI SHA-256), written with the serial by {@link IssuanceLedger} before the
 * SVID is handed out, so that a key serves at most one SVID of a SPIFFE ID even when two replicas
 * race; the revocation once revoked; the lineage of renewals (the parent serial, how often an SVID
 * was renewed, claimed by {@link IssuanceLedger} in the transaction that records the child). Every
 * read goes to the database, so every replica sees a revocation and a renewal claim at once.
 * Thread-safe.
 */
@Singleton
public final class SvidRecords {

    private final DataSource dataSource;

    SvidRecords(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /**
     * Whether {@code keySha256} served (or serves) an SVID of {@code id}: read before the CA is
     * asked to sign, so a reused key costs no signature. {@link IssuanceLedger} enforces the rule
     * when the SVID is recorded (the primary key), also when two replicas race.
     */
    public boolean keyUsed(SpiffeId id, String keySha256) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM id_svid WHERE trust_domain = ? AND spiffe_id = ? "
                        + "AND public_key_sha256 = ?")) {
            ps.setString(1, id.trustDomain().name());
            ps.setString(2, id.toString());
            ps.setString(3, keySha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("SVID records: " + e.getMessage(), e);
        }
    }

    /** An SVID that renewed another, as {@link #liveChildren} lists it. */
    public record Child(SpiffeId spiffeId, String keySha256, String serial, Instant notAfter) {
    }

    /** The unrevoked, unexpired SVIDs that renewed {@code parentSerial}. */
    public java.util.List<Child> liveChildren(TrustDomain domain, String parentSerial, Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT spiffe_id, public_key_sha256, serial, not_after FROM id_svid WHERE "
                        + "trust_domain = ? AND parent_serial = ? AND serial IS NOT NULL AND revoked_at IS NULL AND not_after > ?")) {
            ps.setString(1, domain.name());
            ps.setString(2, parentSerial);
            ps.setTimestamp(3, Timestamp.from(now));
            java.util.List<Child> children = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    children.add(new Child(SpiffeId.parse(rs.getString(1)), rs.getString(2), rs.getString(3),
                            rs.getTimestamp(4).toInstant()));
                }
            }
            return children;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("SVID records: " + e.getMessage(), e);
        }
    }

    /**
     * Marks {@code serial} revoked, adding its row if identity-server did not sign it (an admin had
     * the CA sign it directly). A revocation recorded before stands.
     */
    public void revoked(SpiffeId id, String keySha256, String serial, Instant notAfter, Instant revokedAt, String reason) {
        int changed = update("UPDATE id_svid SET revoked_at = ?, revocation_reason = ? WHERE trust_domain = ? AND serial = ? "
                + "AND revoked_at IS NULL", Timestamp.from(revokedAt), reason, id.trustDomain().name(), serial);
        if (changed == 0 && revokedAt(id.trustDomain(), serial).isEmpty()) {
            try {
                update("INSERT INTO id_svid (trust_domain, spiffe_id, public_key_sha256, serial, not_after, created_at, revoked_at, "
                        + "revocation_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id.trustDomain().name(), id.toString(), keySha256, serial,
                        Timestamp.from(notAfter), Timestamp.from(revokedAt), Timestamp.from(revokedAt), reason);
            } catch (MeshidException.Unavailable e) {
                // The key row exists without this serial (a key reused across CA-direct issuances): mark by key instead.
                update("UPDATE id_svid SET serial = ?, not_after = ?, revoked_at = ?, revocation_reason = ? WHERE trust_domain = ? "
                        + "AND spiffe_id = ? AND public_key_sha256 = ? AND revoked_at IS NULL", serial, Timestamp.from(notAfter),
                        Timestamp.from(revokedAt), reason, id.trustDomain().name(), id.toString(), keySha256);
            }
        }
    }

    /**
     * What identity-server recorded of a serial it had signed, as a renewal reads it: for whom, for
     * which key, its revocation, how often (and first when) it was renewed, and whether the key a
     * renewal asks for already served an SVID of the renewing ID.
     */
    public record Presented(String spiffeId, String keySha256, Optional<Instant> revokedAt, int renewals,
            Optional<Instant> firstRenewedAt, boolean newKeyUsed) {
    }

    /**
     * The record of {@code serial} in {@code domain} (empty when identity-server did not sign it),
     * with whether {@code newKeySha256} served an SVID of {@code id}: one indexed read, so that a
     * renewal costs one round trip before the CA is asked. {@link IssuanceLedger} enforces the
     * renewal claim and the fresh key again when it records the new SVID.
     */
    public Optional<Presented> presented(TrustDomain domain, String serial, SpiffeId id, String newKeySha256) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT s.spiffe_id, s.public_key_sha256, s.revoked_at, s.renewals, s.first_renewed_at, (SELECT COUNT(*) FROM id_svid k "
                        + "WHERE k.trust_domain = ? AND k.spiffe_id = ? AND k.public_key_sha256 = ?) FROM id_svid s WHERE "
                        + "s.trust_domain = ? AND s.serial = ?")) {
            ps.setString(1, id.trustDomain().name());
            ps.setString(2, id.toString());
            ps.setString(3, newKeySha256);
            ps.setString(4, domain.name());
            ps.setString(5, serial);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Presented(rs.getString(1), rs.getString(2),
                        Optional.ofNullable(rs.getTimestamp(3)).map(Timestamp::toInstant), rs.getInt(4),
                        Optional.ofNullable(rs.getTimestamp(5)).map(Timestamp::toInstant), rs.getLong(6) > 0)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("SVID records: " + e.getMessage(), e);
        }
    }

    /** When {@code serial} of {@code domain} was revoked; empty while it is not (or is unknown here). */
    public Optional<Instant> revokedAt(TrustDomain domain, String serial) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT revoked_at FROM id_svid WHERE trust_domain = ? AND serial = ?")) {
            ps.setString(1, domain.name());
            ps.setString(2, serial);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("SVID records: " + e.getMessage(), e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("SVID records: " + e.getMessage(), e);
        }
    }
}
