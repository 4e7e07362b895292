package io.meshid.ca.journal;

import io.meshid.common.testing.TestDatabase;

class H2IssuanceJournalTest extends IssuanceJournalContract {

    @Override
    TestDatabase newDatabase() {
        return TestDatabase.h2();
    }
}
