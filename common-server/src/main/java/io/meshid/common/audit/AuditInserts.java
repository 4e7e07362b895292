package io.meshid.common.audit;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes a list of audit events into {@code audit_event} in one transaction with as few statements
 * as possible: multi-row {@code INSERT ... VALUES (...), (...)} of {@value #LARGE}, {@value #MEDIUM}
 * and {@value #SMALL} rows, and a JDBC batch of one-row inserts for the rest. A multi-row insert
 * costs the database far less per row than one execution per row (PostgreSQL plans and runs each
 * execution of a JDBC batch separately). The few fixed sizes keep the statements reusable by the
 * driver's statement cache. Every statement ends in {@code ON CONFLICT DO NOTHING}: an event's id
 * is its identity, so a batch retried after a commit whose acknowledgement was lost (a connection
 * killed during {@code COMMIT}) stores nothing twice and does not fail on the rows it already
 * stored. Same SQL on H2 (PostgreSQL mode) and PostgreSQL. {@link #insertWithin} lets a domain
 * write commit together with its audit events (one transaction, so neither exists without the
 * other).
 *
 * <p>Events never attempted before ({@link #insertNew}: fresh random ids, so none can be stored
 * yet) go to PostgreSQL with one {@code COPY ... FROM STDIN} instead: one round trip for the whole
 * batch rather than one per statement, and less of the database's CPU per row than parameters
 * bound into a multi-row insert (docs/benchmarks.md, "OAuth bridge", 2026-12-05 06:30). A retried
 * batch always takes the idempotent inserts. Stateless, thread-safe.
 */
public final class AuditInserts {

    static final int LARGE = 128;
    static final int MEDIUM = 32;
    static final int SMALL = 8;
    private static final int COLUMNS = 9;
    private static final String HEAD = "INSERT INTO audit_event (id, occurred_at, trust_domain, actor, action, target, outcome, "
            + "detail, request_id) VALUES ";
    private static final String IDEMPOTENT = " ON CONFLICT DO NOTHING";
    private static final String ONE = HEAD + row() + IDEMPOTENT;
    private static final String SQL_LARGE = statement(LARGE);
    private static final String SQL_MEDIUM = statement(MEDIUM);
    private static final String SQL_SMALL = statement(SMALL);

    /** Above this many characters of COPY text, a chunk is sent to the server. */
    private static final int COPY_CHUNK = 32 * 1024;
    private static final String COPY = "COPY audit_event (id, occurred_at, trust_domain, actor, action, target, outcome, detail, "
            + "request_id) FROM STDIN";

    private AuditInserts() {
    }

    /**
     * Inserts {@code events}, none of which was ever written before (a first attempt: their ids are
     * fresh), and commits, or rolls back and throws: with {@code COPY} on PostgreSQL, as
     * {@link #insert} elsewhere.
     */
    static void insertNew(Connection c, List<AuditEvent> events) throws SQLException {
        insertNew(c, events, true);
    }

    /**
     * As {@link #insertNew(Connection, List)}; with {@code waitForFlush} false (no caller waits for
     * these events: {@code recordSoon}), PostgreSQL commits without waiting for its WAL flush
     * ({@code SET LOCAL synchronous_commit TO OFF}, this transaction only): a slow or stalled disk
     * flush then no longer holds the writer while the queue fills. Such rows can be lost if
     * PostgreSQL itself crashes within about three {@code wal_writer_delay}s of the commit, never
     * corrupted; the events were already only queued in memory when their callers went on.
     */
    static void insertNew(Connection c, List<AuditEvent> events, boolean waitForFlush) throws SQLException {
        if (!c.isWrapperFor(PGConnection.class)) {
            insert(c, events);
            return;
        }
        inTransaction(c, () -> {
            if (!waitForFlush) {
                try (java.sql.Statement s = c.createStatement()) {
                    s.execute("SET LOCAL synchronous_commit TO OFF");
                }
            }
            copy(c.unwrap(PGConnection.class), events);
        });
    }

    private static void copy(PGConnection pg, List<AuditEvent> events) throws SQLException {
        CopyIn in = pg.getCopyAPI().copyIn(COPY);
        try {
            StringBuilder text = new StringBuilder(COPY_CHUNK + 4096);
            for (AuditEvent e : events) {
                text.append(e.id()).append('\t').append(e.occurredAt()).append('\t');
                field(text, e.trustDomain()).append('\t');
                field(text, e.actor()).append('\t');
                field(text, e.action()).append('\t');
                field(text, e.target()).append('\t').append(e.outcome().name()).append('\t');
                field(text, e.detail()).append('\t');
                field(text, e.requestId()).append('\n');
                if (text.length() >= COPY_CHUNK) {
                    send(in, text);
                }
            }
            send(in, text);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static void send(CopyIn in, StringBuilder text) throws SQLException {
        if (!text.isEmpty()) {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(bytes, 0, bytes.length);
            text.setLength(0);
        }
    }

    /** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
    private static StringBuilder field(StringBuilder text, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> text.append("\\\\");
                case '\t' -> text.append("\\t");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                default -> text.append(ch);
            }
        }
        return text;
    }

    /** Inserts {@code events} and commits, or rolls back and throws. */
    static void insert(Connection c, List<AuditEvent> events) throws SQLException {
        inTransaction(c, () -> insertWithin(c, events));
    }

    /** Work on one connection that throws {@link SQLException}. */
    private interface SqlWork {
        void run() throws SQLException;
    }

    /** Runs {@code work} in one transaction on {@code c} and commits, or rolls back and throws. */
    private static void inTransaction(Connection c, SqlWork work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Inserts {@code events} in the caller's transaction on {@code c} (autocommit off), without
     * committing: the caller commits or rolls back.
     */
    public static void insertWithin(Connection c, List<AuditEvent> events) throws SQLException {
        int i = 0;
        for (int rows : new int[] {LARGE, MEDIUM, SMALL}) {
            if (events.size() - i < rows) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement(sqlFor(rows))) {
                while (events.size() - i >= rows) {
                    for (int r = 0; r < rows; r++) {
                        bind(ps, r * COLUMNS, events.get(i + r));
                    }
                    ps.executeUpdate();
                    i += rows;
                }
            }
        }
        if (i < events.size()) {
            try (PreparedStatement ps = c.prepareStatement(ONE)) {
                for (; i < events.size(); i++) {
                    bind(ps, 0, events.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static String sqlFor(int rows) {
        return switch (rows) {
            case LARGE -> SQL_LARGE;
            case MEDIUM -> SQL_MEDIUM;
            case SMALL -> SQL_SMALL;
            default -> throw new IllegalArgumentException("rows: " + rows);
        };
    }

    private static void bind(PreparedStatement ps, int offset, AuditEvent e) throws SQLException {
        ps.setObject(offset + 1, e.id());
        ps.setTimestamp(offset + 2, Timestamp.from(e.occurredAt()));
        ps.setString(offset + 3, e.trustDomain());
        ps.setString(offset + 4, e.actor());
        ps.setString(offset + 5, e.action());
        ps.setString(offset + 6, e.target());
        ps.setString(offset + 7, e.outcome().name());
        ps.setString(offset + 8, e.detail());
        ps.setString(offset + 9, e.requestId());
    }

    private static String row() {
        return "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    private static String statement(int rows) {
        StringBuilder sql = new StringBuilder(HEAD.length() + rows * 30).append(HEAD);
        for (int r = 0; r < rows; r++) {
            sql.append(r == 0 ? "" : ", ").append(row());
        }
        return sql.append(IDEMPOTENT).toString();
    }
}
