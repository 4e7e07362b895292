package io.meshid.identity.svid;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

/** identity-server's SVID records and issuance ledger against each database meshid supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SvidRecordsContract {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final SpiffeId API = SpiffeId.parse("spiffe://svid.test/ns/a/sa/api");
    private static final SpiffeId WEB = SpiffeId.parse("spiffe://svid.test/ns/a/sa/web");

    private TestDatabase database;
    private ApplicationContext context;
    private SvidRecords records;
    private IssuanceLedger ledger;
    private AuditLog audit;

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", "svid.test");
        context = ApplicationContext.run(p);
        records = context.getBean(SvidRecords.class);
        ledger = context.getBean(IssuanceLedger.class);
        audit = context.getBean(AuditLog.class);
    }

    @AfterAll
    void stop() {
        context.close();
        database.close();
    }

    private IssuanceLedger.Issuance issuance(Optional<String> token, SpiffeId id, String key, String serial) {
        return issuance(token, id, key, serial, Optional.empty());
    }

    private IssuanceLedger.Issuance issuance(Optional<String> token, SpiffeId id, String key, String serial, Optional<String> parent) {
        return new IssuanceLedger.Issuance(token, id, key, serial, parent, T0.plusSeconds(3600), T0,
                AuditEvent.of(T0, "svid.test", "anonymous", "attest.join_token", id.toString(), AuditEvent.Outcome.SUCCESS,
                        "serial " + serial, "req-" + serial));
    }

    @Test
    void anIssuance_isRecordedWithItsAuditEvent_andItsKeyServesOnce() {
        assertThat(records.keyUsed(API, "aa".repeat(32))).isFalse();

        ledger.commit(issuance(Optional.empty(), API, "aa".repeat(32), "81aa"));

        assertThat(records.keyUsed(API, "aa".repeat(32))).isTrue();
        assertThat(records.keyUsed(WEB, "aa".repeat(32))).as("another SPIFFE ID").isFalse();
        assertThat(audit.find(new AuditQuery("svid.test", T0.minusSeconds(1), Optional.of("attest.join_token"), 100)))
                .extracting(AuditEvent::detail).contains("serial 81aa");
        assertThatThrownBy(() -> ledger.commit(issuance(Optional.empty(), API, "aa".repeat(32), "82aa")))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("already used for an SVID of " + API);
        ledger.commit(issuance(Optional.empty(), WEB, "aa".repeat(32), "83aa"));
    }

    /**
     * Many attestations racing with one join token, each with its own key, as a replayed token
     * does: exactly one is recorded, the others are UNAUTHENTICATED and leave nothing behind.
     * Also a batch in which two issuances share one key: one wins, the other is refused alone.
     */
    @Test
    void racingIssuances_oneJoinTokenIsConsumedOnce_andOneKeyServesOnce() throws Exception {
        Registry registry = context.getBean(Registry.class);
        RegistrationEntry entry = registry.createEntry(new EntryParams(SpiffeId.parse("spiffe://svid.test/ns/a/sa/race"), List.of(),
                Optional.empty(), Optional.empty(), List.of(), false, "spiffe://svid.test/meshid/admin"));
        String token = registry.createJoinToken(TrustDomain.of("svid.test"), entry.id(), Optional.empty()).secret();
        assertThat(registry.unusedJoinToken(token)).contains(entry);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    ledger.commit(issuance(Optional.of(Registry.joinTokenDigest(token)), entry.spiffeId(), String.format("%064x", n),
                            String.format("9%03x", n)));
                    return "won";
                } catch (MeshidException.Unauthenticated e) {
                    return "lost";
                }
            }));
        }
        List<Future<String>> sameKey = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            sameKey.add(pool.submit(() -> {
                go.await();
                try {
                    ledger.commit(issuance(Optional.empty(), WEB, "ee".repeat(32), String.format("a%03x", n)));
                    return "won";
                } catch (MeshidException.InvalidArgument e) {
                    return "refused";
                }
            }));
        }
        go.countDown();
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
            outcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        List<String> keyOutcomes = new ArrayList<>();
        for (Future<String> f : sameKey) {
            keyOutcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();

        assertThat(outcomes).containsOnlyOnce("won").filteredOn("lost"::equals).hasSize(15);
        assertThat(registry.unusedJoinToken(token)).isEmpty();
        long recorded = 0;
        for (int n = 0; n < 16; n++) {
            recorded += records.keyUsed(entry.spiffeId(), String.format("%064x", n)) ? 1 : 0;
        }
        assertThat(recorded).as("only the winner's SVID is recorded").isEqualTo(1);
        assertThat(keyOutcomes).containsOnlyOnce("won").filteredOn("refused"::equals).hasSize(7);
    }

    @Test
    void revoked_isSeenBySerial_theFirstRevocationStands_andUnknownSerialsAreAddedRevoked() {
        ledger.commit(issuance(Optional.empty(), API, "bb".repeat(32), "82bb"));
        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "82bb")).isEmpty();

        records.revoked(API, "bb".repeat(32), "82bb", T0.plusSeconds(3600), T0.plusSeconds(10), "KEY_COMPROMISE");
        records.revoked(API, "bb".repeat(32), "82bb", T0.plusSeconds(3600), T0.plusSeconds(20), "SUPERSEDED");
        records.revoked(WEB, "cc".repeat(32), "83cc", T0.plusSeconds(3600), T0.plusSeconds(30), "KEY_COMPROMISE");

        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "82bb")).contains(T0.plusSeconds(10));
        assertThat(records.revokedAt(TrustDomain.of("svid.test"), "83cc")).contains(T0.plusSeconds(30));
        assertThat(records.revokedAt(TrustDomain.of("other.test"), "82bb")).isEmpty();
        assertThat(records.keyUsed(WEB, "cc".repeat(32))).as("the revoked SVID's key is used").isTrue();
    }

    @Test
    void anSvid_isClaimedForRenewalOnce_plusOneRetryWithinTheGrace_andRecordsItsChildren() {
        TrustDomain domain = TrustDomain.of("svid.test");
        java.time.Duration grace = java.time.Duration.ofSeconds(30);
        ledger.commit(issuance(Optional.empty(), API, "d1".repeat(32), "91d1"));

        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0, grace)).isEqualTo(SvidRecords.Claim.FIRST);
        records.releaseRenewal(domain, "91d1");
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(100), grace))
                .as("given back after a failed signing").isEqualTo(SvidRecords.Claim.FIRST);
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(130), grace))
                .isEqualTo(SvidRecords.Claim.RETRY);
        assertThat(records.claimRenewal(API, "d1".repeat(32), "91d1", T0.plusSeconds(3600), T0.plusSeconds(131), grace))
                .isEqualTo(SvidRecords.Claim.REFUSED);

        ledger.commit(issuance(Optional.empty(), API, "d2".repeat(32), "92d2"));
        records.claimRenewal(API, "d2".repeat(32), "92d2", T0.plusSeconds(3600), T0, grace);
        assertThat(records.claimRenewal(API, "d2".repeat(32), "92d2", T0.plusSeconds(3600), T0.plusSeconds(31), grace))
                .as("past the grace").isEqualTo(SvidRecords.Claim.REFUSED);

        ledger.commit(issuance(Optional.empty(), API, "d3".repeat(32), "93d3", Optional.of("91d1")));
        ledger.commit(issuance(Optional.empty(), API, "d4".repeat(32), "94d4", Optional.of("91d1")));
        records.revoked(API, "d4".repeat(32), "94d4", T0.plusSeconds(3600), T0.plusSeconds(5), "KEY_COMPROMISE");
        assertThat(records.liveChildren(domain, "91d1", T0)).extracting(SvidRecords.Child::serial).containsExactly("93d3");
        assertThat(records.liveChildren(domain, "91d1", T0.plusSeconds(3601))).as("expired").isEmpty();

        assertThat(records.claimRenewal(WEB, "d5".repeat(32), "95d5", T0.plusSeconds(3600), T0, grace))
                .as("an SVID signed at the CA directly gets its row, claimed").isEqualTo(SvidRecords.Claim.FIRST);
        records.revoked(WEB, "d6".repeat(32), "96d6", T0.plusSeconds(3600), T0, "KEY_COMPROMISE");
        assertThat(records.claimRenewal(WEB, "d6".repeat(32), "96d6", T0.plusSeconds(3600), T0, grace)).isEqualTo(SvidRecords.Claim.REFUSED);
    }
}
