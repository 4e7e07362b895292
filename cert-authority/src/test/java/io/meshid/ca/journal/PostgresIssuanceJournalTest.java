package io.meshid.ca.journal;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;

@RequiresPostgres
class PostgresIssuanceJournalTest extends IssuanceJournalContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.postgres();
    }
}
