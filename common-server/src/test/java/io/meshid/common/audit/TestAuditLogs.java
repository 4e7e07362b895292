package io.meshid.common.audit;

import javax.sql.DataSource;

/** Audit logs over a given data source, for tests in other packages. */
public final class TestAuditLogs {

    private TestAuditLogs() {
    }

    /** The database audit trail over {@code dataSource} (without a repository: it cannot be read back). */
    public static AuditLog jdbc(DataSource dataSource) {
        return new JdbcAuditLog(null, dataSource, null);
    }

    /** Stops the writer of an audit log from {@link #jdbc}. */
    public static void close(AuditLog audit) throws InterruptedException {
        ((JdbcAuditLog) audit).close();
    }
}
