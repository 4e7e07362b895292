package io.meshid.policy.store;

import io.meshid.common.testing.TestDatabase;

class H2PolicyStoreTest extends PolicyStoreContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.h2();
    }
}
