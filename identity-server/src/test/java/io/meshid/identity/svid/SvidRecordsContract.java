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

    private IssuanceLedger.Issuance renewal(SpiffeId id, String key, String serial, String parent, Instant at) {
        return new IssuanceLedger.Issuance(Optional.empty(), id, key, serial, Optional.of(parent), at.plusSeconds(3600), at,
                AuditEvent.of(at, "svid.test", id.toString(), "identity.renew_x509_svid", id.toString(), AuditEvent.Outcome.SUCCESS,
                        "serial " + serial + " replaces " + parent, "req-" + serial));
    }

    /**
     * The ledger claims the renewed SVID in the transaction that records its child: once, plus one
     * retry within the grace (30 s here, the configured default); never past it, never a revoked
     * one; a refused renewal records nothing. The presented SVID's read says all of it first.
     */
    @Test
    void anSvid_isRenewedOnce_plusOneRetryWithinTheGrace_andRecordsItsChildren() {
        TrustDomain domain = TrustDomain.of("svid.test");
        ledger.commit(issuance(Optional.empty(), API, "d1".repeat(32), "91d1"));
        assertThat(records.presented(domain, "91d1", API, "d3".repeat(32))).hasValueSatisfying(p -> {
            assertThat(p.renewals()).isZero();
            assertThat(p.keySha256()).isEqualTo("d1".repeat(32));
            assertThat(p.newKeyUsed()).isFalse();
            assertThat(p.revokedAt()).isEmpty();
        });

        ledger.commit(renewal(API, "d3".repeat(32), "93d3", "91d1", T0));
        ledger.commit(renewal(API, "d4".repeat(32), "94d4", "91d1", T0.plusSeconds(20)));
        assertThatThrownBy(() -> ledger.commit(renewal(API, "d7".repeat(32), "97d7", "91d1", T0.plusSeconds(21))))
                .as("a third time").isInstanceOf(MeshidException.PermissionDenied.class).hasMessageContaining("renewed or revoked");
        assertThat(records.keyUsed(API, "d7".repeat(32))).as("nothing recorded").isFalse();
        assertThat(records.presented(domain, "91d1", API, "d3".repeat(32))).hasValueSatisfying(p -> {
            assertThat(p.renewals()).isEqualTo(2);
            assertThat(p.firstRenewedAt()).contains(T0);
            assertThat(p.newKeyUsed()).isTrue();
        });

        ledger.commit(issuance(Optional.empty(), API, "d2".repeat(32), "92d2"));
        ledger.commit(renewal(API, "d5".repeat(32), "95d5", "92d2", T0));
        assertThatThrownBy(() -> ledger.commit(renewal(API, "d6".repeat(32), "96d6", "92d2", T0.plusSeconds(31))))
                .as("past the grace").isInstanceOf(MeshidException.PermissionDenied.class);

        records.revoked(API, "d4".repeat(32), "94d4", T0.plusSeconds(3600), T0.plusSeconds(5), "KEY_COMPROMISE");
        assertThat(records.liveChildren(domain, "91d1", T0)).extracting(SvidRecords.Child::serial).containsExactly("93d3");
        assertThat(records.liveChildren(domain, "91d1", T0.plusSeconds(3601))).as("expired").isEmpty();
        assertThatThrownBy(() -> ledger.commit(renewal(API, "d8".repeat(32), "98d8", "94d4", T0.plusSeconds(6))))
                .as("a revoked parent").isInstanceOf(MeshidException.PermissionDenied.class);
        assertThat(records.presented(domain, "94d4", API, "d8".repeat(32))).hasValueSatisfying(p ->
                assertThat(p.revokedAt()).contains(T0.plusSeconds(5)));
        assertThat(records.presented(domain, "99d9", API, "d8".repeat(32))).as("not signed here").isEmpty();
    }

    /** Renewals of one SVID racing (two replicas, a retried call): the first and its one retry win, the rest are refused. */
    @Test
    void racingRenewalsOfOneSvid_atMostTwoWin() throws Exception {
        ledger.commit(issuance(Optional.empty(), WEB, "f0".repeat(32), "a0f0"));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    ledger.commit(renewal(WEB, String.format("%062x%02x", 0xf1, n), String.format("b%03x", n), "a0f0", T0));
                    return "won";
                } catch (MeshidException.PermissionDenied e) {
                    return "refused";
                }
            }));
        }
        go.countDown();
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
            outcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(outcomes).filteredOn("won"::equals).hasSize(2);
        assertThat(records.liveChildren(TrustDomain.of("svid.test"), "a0f0", T0)).hasSize(2);
    }
}
