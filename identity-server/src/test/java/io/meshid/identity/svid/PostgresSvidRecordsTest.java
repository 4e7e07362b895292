package io.meshid.identity.svid;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;

@RequiresPostgres
class PostgresSvidRecordsTest extends SvidRecordsContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.postgres();
    }
}
