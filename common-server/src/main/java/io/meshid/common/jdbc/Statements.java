package io.meshid.common.jdbc;

import io.meshid.common.errors.MeshidException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * One-statement queries and updates on a connection of the pool (auto-commit), with positional
 * parameters bound by {@code setObject}. A database failure becomes {@link MeshidException.Unavailable}
 * named after the store, so every hand-written store reports it the same way. Thread-safe.
 */
public final class Statements {

    /** Reads one row of a result set. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final DataSource dataSource;
    private final String store;

    /**
     * @param store what the failures name, e.g. {@code "registry database"}
     */
    public Statements(DataSource dataSource, String store) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Every row {@code sql} selects, read by {@code row}. */
    public <T> List<T> query(String sql, Row<T> row, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable(store + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code sql}; returns how many rows it changed. */
    public int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshidException.Unavailable(store + ": " + e.getMessage() + "; nothing was stored", e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }
}
