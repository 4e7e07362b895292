package io.meshid.common.audit;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;

@RequiresPostgres
class PostgresAuditLogTest extends AuditLogContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.postgres();
    }
}
