package io.meshid.common.audit;

import io.meshid.common.testing.TestDatabase;

class H2AuditLogTest extends AuditLogContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.h2();
    }
}
