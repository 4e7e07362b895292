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

    @Test
    void anSvid_isClaimedForRenewalOnce_plusOneRetryWithinTheGrace_andRecordsItsChildren() {
        TrustDomain domain = TrustDomain.of("svid.test");
        java.time.Duration grace = java.time.Duration.ofSeconds(30);
        records.reserveKey(API, "d1".repeat(32), T0);
        records.issued(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600));

        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0, grace)).isEqualTo(SvidRecords.Claim.FIRST);
        records.releaseRenewal(domain, "91d1");
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(100), grace))
                .as("given back after a failed signing").isEqualTo(SvidRecords.Claim.FIRST);
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(130), grace))
                .isEqualTo(SvidRecords.Claim.RETRY);
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(131), grace))
                .isEqualTo(SvidRecords.Claim.REFUSED);

        records.reserveKey(API, "d2".repeat(32), T0);
        records.issued(API, "d2".repeat(32), "92d2", T0.plusSeconds(3600));
        records.claimRenewal(API, "d2".repeat(32), "92d2", T0.plusSeconds(3600), T0, grace);
        assertThat(records.claimRenewal(API, "d2".repeat(32), "92d2", T0.plusSeconds(3600), T0.plusSeconds(31), grace))
                .as("past the grace").isEqualTo(SvidRecords.Claim.REFUSED);

        records.reserveKey(API, "d3".repeat(32), T0);
        records.issued(API, "d3".repeat(32), "93d3", T0.plusSeconds(3600), "91d1");
        records.reserveKey(API, "d4".repeat(32), T0);
        records.issued(API, "d4".repeat(32), "94d4", T0.plusSeconds(3600), "91d1");
        records.revoked(API, "d4".repeat(32), "94d4", T0.plusSeconds(3600), T0.plusSeconds(5), "KEY_COMPROMISE");
        assertThat(records.liveChildren(domain, "91d1", T0)).extracting(SvidRecords.Child::serial).containsExactly("93d3");
        assertThat(records.liveChildren(domain, "91d1", T0.plusSeconds(3601))).as("expired").isEmpty();

        assertThat(records.claimRenewal(WEB, "d5".repeat(32), "95d5", T0.plusSeconds(3600), T0, grace))
                .as("an SVID signed at the CA directly gets its row, claimed").isEqualTo(SvidRecords.Claim.FIRST);
        records.revoked(WEB, "d6".repeat(32), "96d6", T0.plusSeconds(3600), T0, "KEY_COMPROMISE");
        assertThat(records.claimRenewal(WEB, "d6".repeat(32), "96d6", T0.plusSeconds(3600), T0, grace)).isEqualTo(SvidRecords.Claim.REFUSED);
    }
}
