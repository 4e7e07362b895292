package io.meshid.policy.store;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;

@RequiresPostgres
class PostgresPolicyStoreTest extends PolicyStoreContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.postgres();
    }
}
