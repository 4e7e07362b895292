package io.meshid.ca.authority;

import io.meshid.ca.keys.AbsentKeySigner;
import io.meshid.ca.keys.AuthorityKeys;
import io.meshid.ca.keys.KeyAlgorithm;
import io.meshid.ca.keys.Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Authorities in the database ({@code ca_authority}, {@code ca_trust_domain}), with what
 * {@link AuthorityKeys} keeps for the keys meshid made (sealed keys by default, a key reference
 * for a KMS); an upstream CA's key is never stored (its row has no
 * key and takes the signer read from the operator's file). Every change runs in a transaction that first locks the trust
 * domain's row, so that two CA replicas never rotate the same trust domain at once; each reads
 * the other's changes from here. Thread-safe.
 */
@Singleton
final class AuthorityStore {

    private static final Logger LOG = LoggerFactory.getLogger(AuthorityStore.class);

    /** One locked transaction over one trust domain. */
    interface Tx {
        List<Authority> load() throws SQLException;

        void insert(Authority authority) throws SQLException;

        void update(Authority authority) throws SQLException;

        long sequence();

        long bumpSequence(Instant now) throws SQLException;
    }

    /** Work done inside a {@link Tx}. */
    interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    private final DataSource dataSource;
    private final AuthorityKeys keys;

    AuthorityStore(DataSource dataSource, AuthorityKeys keys) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.keys = keys;
    }

    <T> T inTransaction(TrustDomain domain, Instant now, Work<T> work) {
        return inTransaction(domain, now, Optional.empty(), work);
    }

    /**
     * The same, for the trust domain whose root is {@code upstream}: its authority row holds no key,
     * and takes the upstream's signer (read from its file) when loaded.
     */
    <T> T inTransaction(TrustDomain domain, Instant now, Optional<UpstreamAuthority> upstream, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO ca_trust_domain (name, bundle_sequence, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING")) {
                    ps.setString(1, domain.name());
                    ps.setTimestamp(2, Timestamp.from(now));
                    ps.executeUpdate();
                }
                long sequence;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT bundle_sequence FROM ca_trust_domain WHERE name = ? FOR UPDATE")) {
                    ps.setString(1, domain.name());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        sequence = rs.getLong(1);
                    }
                }
                T result = work.run(new JdbcTx(c, domain, sequence, upstream));
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("CA database: " + e.getMessage(), e);
        }
    }

    /** Whether the database holds {@code domain} (another replica may have created it). */
    boolean known(TrustDomain domain) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT name FROM ca_trust_domain WHERE name = ?")) {
            ps.setString(1, domain.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("CA database: " + e.getMessage(), e);
        }
    }

    /** The trust domains this CA has authorities for. */
    List<TrustDomain> trustDomains() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT name FROM ca_trust_domain ORDER BY name");
                ResultSet rs = ps.executeQuery()) {
            List<TrustDomain> out = new ArrayList<>();
            while (rs.next()) {
                out.add(TrustDomain.of(rs.getString(1)));
            }
            return out;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("CA database: " + e.getMessage(), e);
        }
    }

    private final class JdbcTx implements Tx {
        private final Connection c;
        private final TrustDomain domain;
        private long sequence;
        private final Optional<UpstreamAuthority> upstream;

        JdbcTx(Connection c, TrustDomain domain, long sequence, Optional<UpstreamAuthority> upstream) {
            this.upstream = upstream;
            this.c = c;
            this.domain = domain;
            this.sequence = sequence;
        }

        @Override
        public List<Authority> load() throws SQLException {
            List<Authority> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, level, parent_id, state, certificate, sealed_key, "
                    + "activated_at, retire_after FROM ca_authority WHERE trust_domain = ? AND state <> 'RETIRED' ORDER BY created_at")) {
                ps.setString(1, domain.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return out;
        }

        private Authority read(ResultSet rs) throws SQLException {
            String id = rs.getString("id");
            X509Certificate certificate = certificate(rs.getBytes("certificate"));
            byte[] sealed = rs.getBytes("sealed_key");
            Optional<UpstreamAuthority> up = upstream.filter(u -> u.certificate().equals(certificate));
            if (up.isPresent() && sealed != null) {
                // Releases before this one sealed the upstream key in here: remove it.
                try (PreparedStatement ps = c.prepareStatement("UPDATE ca_authority SET sealed_key = NULL WHERE id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                LOG.warn("removed the upstream CA key that an earlier release had stored in the database (authority {})", id);
            }
            Signer signer = up.map(UpstreamAuthority::signer)
                    .or(() -> Optional.ofNullable(sealed).map(s -> keys.load(s, certificate.getPublicKey(), id)))
                    .orElseGet(() -> new AbsentKeySigner(certificate.getPublicKey(),
                            KeyAlgorithm.of(certificate.getPublicKey()).orElse(KeyAlgorithm.EC_P256),
                            "an upstream CA key whose file no longer holds it"));
            return new Authority(id, domain, Authority.Level.valueOf(rs.getString("level")),
                    Optional.ofNullable(rs.getString("parent_id")), Authority.State.valueOf(rs.getString("state")),
                    certificate, signer, instant(rs.getTimestamp("activated_at")), instant(rs.getTimestamp("retire_after")));
        }

        @Override
        public void insert(Authority a) throws SQLException {
            // Only keys meshid made are sealed in here; an upstream (or KMS) key stays behind its signer.
            byte[] sealed = keys.stored(a.signer(), a.id()).orElse(null);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ca_authority (id, trust_domain, level, parent_id, state, "
                    + "certificate, sealed_key, created_at, activated_at, retire_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, a.id());
                ps.setString(2, domain.name());
                ps.setString(3, a.level().name());
                ps.setString(4, a.parentId().orElse(null));
                ps.setString(5, a.state().name());
                ps.setBytes(6, encoded(a.certificate()));
                ps.setBytes(7, sealed);
                ps.setTimestamp(8, Timestamp.from(a.notBefore()));
                ps.setTimestamp(9, a.activatedAt().map(Timestamp::from).orElse(null));
                ps.setTimestamp(10, a.retireAfter().map(Timestamp::from).orElse(null));
                ps.executeUpdate();
            }
        }

        @Override
        public void update(Authority a) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE ca_authority SET state = ?, activated_at = ?, retire_after = ? WHERE id = ?")) {
                ps.setString(1, a.state().name());
                ps.setTimestamp(2, a.activatedAt().map(Timestamp::from).orElse(null));
                ps.setTimestamp(3, a.retireAfter().map(Timestamp::from).orElse(null));
                ps.setString(4, a.id());
                ps.executeUpdate();
            }
        }

        @Override
        public long sequence() {
            return sequence;
        }

        @Override
        public long bumpSequence(Instant now) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE ca_trust_domain SET bundle_sequence = bundle_sequence + 1, updated_at = ? WHERE name = ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setString(2, domain.name());
                ps.executeUpdate();
            }
            return ++sequence;
        }
    }

    private static Optional<Instant> instant(Timestamp t) {
        return t == null ? Optional.empty() : Optional.of(t.toInstant());
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored authority certificate does not parse", e);
        }
    }
}
