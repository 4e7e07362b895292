package io.meshid.identity.jwt;

import com.nimbusds.jose.jwk.ECKey;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.keys.KeySealer;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * JWT signing keys in the database ({@code id_jwt_key}, {@code id_jwt_domain}), private keys
 * sealed by {@link KeySealer} with the key id as associated data. Every change runs in a
 * transaction that first locks the trust domain's row, so two replicas never rotate one trust
 * domain at once, and each reads the other's keys from here. Thread-safe.
 */
@Singleton
final class JwtKeyStore {

    /** One locked transaction over one trust domain. */
    interface Tx {
        List<JwtKey> load() throws SQLException;

        void insert(JwtKey key) throws SQLException;

        void update(JwtKey key) throws SQLException;
    }

    /** Work done inside a {@link Tx}. */
    interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    private final DataSource dataSource;
    private final KeySealer sealer;

    JwtKeyStore(DataSource dataSource, KeySealer sealer) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.sealer = sealer;
    }

    <T> T inTransaction(TrustDomain domain, Instant now, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO id_jwt_domain (trust_domain, updated_at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    ps.setString(1, domain.name());
                    ps.setTimestamp(2, Timestamp.from(now));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT trust_domain FROM id_jwt_domain WHERE trust_domain = ? FOR UPDATE")) {
                    ps.setString(1, domain.name());
                    ps.executeQuery().close();
                }
                T result = work.run(new JdbcTx(c, domain));
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("identity database: " + e.getMessage(), e);
        }
    }

    /** The keys of {@code domain} that are not retired, without locking; empty for a trust domain with none. */
    List<JwtKey> read(TrustDomain domain) {
        try (Connection c = dataSource.getConnection()) {
            return select(c, domain);
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("identity database: " + e.getMessage(), e);
        }
    }

    /** The trust domains that have keys. */
    List<TrustDomain> trustDomains() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT trust_domain FROM id_jwt_domain ORDER BY trust_domain");
                ResultSet rs = ps.executeQuery()) {
            List<TrustDomain> out = new ArrayList<>();
            while (rs.next()) {
                out.add(TrustDomain.of(rs.getString(1)));
            }
            return out;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("identity database: " + e.getMessage(), e);
        }
    }

    private List<JwtKey> select(Connection c, TrustDomain domain) throws SQLException {
        List<JwtKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kid, state, public_jwk, sealed_key, created_at, not_after, "
                + "activated_at, stopped_at FROM id_jwt_key WHERE trust_domain = ? AND state <> 'RETIRED' ORDER BY created_at, kid")) {
            ps.setString(1, domain.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs, domain));
                }
            }
        }
        return out;
    }

    private JwtKey read(ResultSet rs, TrustDomain domain) throws SQLException {
        String kid = rs.getString("kid");
        ECKey pub;
        try {
            pub = ECKey.parse(rs.getString("public_jwk"));
        } catch (ParseException e) {
            throw new IllegalStateException("stored JWT key " + kid + " does not parse", e);
        }
        return new JwtKey(kid, domain, JwtKey.State.valueOf(rs.getString("state")), pub,
                privateKey(sealer.unseal(rs.getBytes("sealed_key"), kid)), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("not_after").toInstant(), instant(rs.getTimestamp("activated_at")), instant(rs.getTimestamp("stopped_at")));
    }

    private final class JdbcTx implements Tx {
        private final Connection c;
        private final TrustDomain domain;

        JdbcTx(Connection c, TrustDomain domain) {
            this.c = c;
            this.domain = domain;
        }

        @Override
        public List<JwtKey> load() throws SQLException {
            return select(c, domain);
        }

        @Override
        public void insert(JwtKey k) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO id_jwt_key (kid, trust_domain, state, algorithm, public_jwk, "
                    + "sealed_key, created_at, not_after, activated_at, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, k.kid());
                ps.setString(2, domain.name());
                ps.setString(3, k.state().name());
                ps.setString(4, "ES256");
                ps.setString(5, k.publicJwk().toPublicJWK().toJSONString());
                ps.setBytes(6, sealer.seal(k.privateKey().getEncoded(), k.kid()));
                ps.setTimestamp(7, Timestamp.from(k.createdAt()));
                ps.setTimestamp(8, Timestamp.from(k.notAfter()));
                ps.setTimestamp(9, k.activatedAt().map(Timestamp::from).orElse(null));
                ps.setTimestamp(10, k.stoppedAt().map(Timestamp::from).orElse(null));
                ps.executeUpdate();
            }
        }

        @Override
        public void update(JwtKey k) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE id_jwt_key SET state = ?, activated_at = ?, stopped_at = ? WHERE kid = ? AND trust_domain = ?")) {
                ps.setString(1, k.state().name());
                ps.setTimestamp(2, k.activatedAt().map(Timestamp::from).orElse(null));
                ps.setTimestamp(3, k.stoppedAt().map(Timestamp::from).orElse(null));
                ps.setString(4, k.kid());
                ps.setString(5, domain.name());
                ps.executeUpdate();
            }
        }
    }

    private static ECPrivateKey privateKey(byte[] pkcs8) {
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC", CryptoProvider.get()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored JWT key does not parse", e);
        }
    }

    private static Optional<Instant> instant(Timestamp t) {
        return t == null ? Optional.empty() : Optional.of(t.toInstant());
    }
}
