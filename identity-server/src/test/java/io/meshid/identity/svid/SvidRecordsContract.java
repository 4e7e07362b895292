package io.meshid.identity.svid;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** identity-server's SVID records against each database meshid supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SvidRecordsContract {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final SpiffeId API = SpiffeId.parse("spiffe://svid.test/ns/a/sa/api");
    private static final SpiffeId WEB = SpiffeId.parse("spiffe://svid.test/ns/a/sa/web");

    private TestDatabase database;
    private ApplicationContext context;
    private SvidRecords records;

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", "svid.test");
        context = ApplicationContext.run(p);
        records = context.getBean(SvidRecords.class);
    }

    @AfterAll
    void stop() {
        context.close();
        database.close();
    }

    @Test
    void aKey_isReservedOncePerSpiffeId_andGivenBackOnlyBeforeSigning() {
        assertThat(records.reserveKey(API, "aa".repeat(32), T0)).isTrue();
        assertThat(records.reserveKey(API, "aa".repeat(32), T0)).isFalse();
        assertThat(records.reserveKey(WEB, "aa".repeat(32), T0)).as("another SPIFFE ID").isTrue();

        records.releaseKey(WEB, "aa".repeat(32));
        assertThat(records.reserveKey(WEB, "aa".repeat(32), T0)).isTrue();
        records.issued(API, "aa".repeat(32), "81aa", T0.plusSeconds(3600));
        records.releaseKey(API, "aa".repeat(32));
        assertThat(records.reserveKey(API, "aa".repeat(32), T0)).as("signed: not given back").isFalse();
    }

    @Test
    void revoked_isSeenBySerial_theFirstRevocationStands_andUnknownSerialsAreAddedRevoked() {
        records.reserveKey(API, "bb".repeat(32), T0);
        records.issued(API, "bb".repeat(32), "82bb", T0.plusSeconds(3600));
        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "82bb")).isEmpty();

        records.revoked(API, "bb".repeat(32), "82bb", T0.plusSeconds(3600), T0.plusSeconds(10), "KEY_COMPROMISE");
        records.revoked(API, "bb".repeat(32), "82bb", T0.plusSeconds(3600), T0.plusSeconds(20), "SUPERSEDED");
        records.revoked(WEB, "cc".repeat(32), "83cc", T0.plusSeconds(3600), T0.plusSeconds(30), "KEY_COMPROMISE");

        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "82bb")).contains(T0.plusSeconds(10));
        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "83cc")).contains(T0.plusSeconds(30));
        assertThat(records.revokedAt(TrustDomain.of("other.test"), "82bb")).isEmpty();
        assertThat(records.reserveKey(WEB, "cc".repeat(32), T0)).as("the revoked SVID's key is used").isFalse();
    }
}
