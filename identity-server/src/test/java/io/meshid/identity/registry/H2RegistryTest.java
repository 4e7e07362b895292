package io.meshid.identity.registry;

import io.meshid.common.testing.TestDatabase;

class H2RegistryTest extends RegistryContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.h2();
    }
}
