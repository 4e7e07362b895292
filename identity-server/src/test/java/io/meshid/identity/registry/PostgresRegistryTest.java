package io.meshid.identity.registry;

import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;

@RequiresPostgres
class PostgresRegistryTest extends RegistryContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.postgres();
    }
}
