package io.meshid.identity.svid;

import io.meshid.common.testing.TestDatabase;

class H2SvidRecordsTest extends SvidRecordsContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.h2();
    }
}
