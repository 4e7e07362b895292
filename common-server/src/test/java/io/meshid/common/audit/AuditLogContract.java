package io.meshid.common.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The audit trail's behaviour, run against each database meshid supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuditLogContract {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private TestDatabase database;
    private ApplicationContext context;
    private AuditLog audit;

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        context = ApplicationContext.run(database.properties("common"));
        audit = context.getBean(AuditLog.class);
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void concurrentRecords_areEachStoredOnceRecordReturns() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<?>> calls = new java.util.ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                calls.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        audit.record(AuditEvent.of(T0, "group.example", "t" + thread, "x.do", "e" + i, AuditEvent.Outcome.SUCCESS, "", "r"));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : calls) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(audit.find(new AuditQuery("group.example", T0, Optional.empty(), 1000))).hasSize(800)
                .extracting(e -> e.actor() + "/" + e.target()).doesNotHaveDuplicates();
    }

    @Test
    void recordSoon_isStoredAndSeenByTheNextFind_evenFromManyThreadsAndPastOneBatch() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> calls = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                calls.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        audit.recordSoon(AuditEvent.of(T0, "soon.example", "t" + thread, "x.do", "e" + i, AuditEvent.Outcome.SUCCESS,
                                "", "r"));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : calls) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        AuditEvent last = AuditEvent.of(T0.plusSeconds(1), "soon.example", "solo", "x.do", "last", AuditEvent.Outcome.DENIED, "why", "r2");
        audit.recordSoon(last);

        assertThat(audit.find(new AuditQuery("soon.example", T0, Optional.empty(), 1000))).hasSize(801)
                .startsWith(last)
                .extracting(e -> e.actor() + "/" + e.target()).doesNotHaveDuplicates();
    }

    @Test
    void eventsNobodyWaitsFor_arrivingApart_shareBatches_whileARecordIsNotHeldBack() throws Exception {
        JdbcAuditLog log = (JdbcAuditLog) audit;
        log.awaitQueued();
        long before = log.batchesWritten();
        for (int i = 0; i < 20; i++) {
            audit.recordSoon(AuditEvent.of(T0, "linger.example", "a", "x.soon", "e" + i, AuditEvent.Outcome.SUCCESS, "", "r"));
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        audit.record(AuditEvent.of(T0, "linger.example", "a", "x.now", "last", AuditEvent.Outcome.SUCCESS, "", "r"));

        assertThat(audit.find(new AuditQuery("linger.example", T0, Optional.empty(), 100))).hasSize(21);
        // One event a millisecond: written as it came, 20 or more transactions; held up to 10 ms each, a few.
        assertThat(log.batchesWritten() - before).isBetween(1L, 10L);
    }

    @Test
    void record_thenFind_returnsEventWithEveryField() {
        AuditEvent event = AuditEvent.of(T0, "a.example", "spiffe://a.example/ns/x/sa/y", "ca.sign_x509_svid",
                "serial:01ab", AuditEvent.Outcome.SUCCESS, "ttl=PT1H", "req-1");

        audit.record(event);

        List<AuditEvent> found = audit.find(new AuditQuery("a.example", T0, Optional.empty(), 10));
        assertThat(found).containsExactly(event);
        assertThat(found.getFirst().id().version()).as("time-ordered ids keep the primary key's inserts on its last pages").isEqualTo(7);
        assertThat(found.getFirst().id().getMostSignificantBits() >>> 16).isEqualTo(T0.toEpochMilli());
    }

    @Test
    void find_isScopedByTrustDomain_newestFirst_andLimited() {
        for (int i = 0; i < 5; i++) {
            audit.record(AuditEvent.of(T0.plus(i, ChronoUnit.MINUTES), "b.example", "actor", "x.do", "t" + i,
                    AuditEvent.Outcome.SUCCESS, "", "r"));
        }
        audit.record(AuditEvent.of(T0, "other.example", "actor", "x.do", "hidden", AuditEvent.Outcome.SUCCESS, "", "r"));

        List<AuditEvent> found = audit.find(new AuditQuery("b.example", T0, Optional.empty(), 3));

        assertThat(found).extracting(AuditEvent::target).containsExactly("t4", "t3", "t2");
    }

    @Test
    void find_filtersByActionAndSince() {
        audit.record(AuditEvent.of(T0, "c.example", "a", "policy.put", "v1", AuditEvent.Outcome.SUCCESS, "", "r"));
        audit.record(AuditEvent.of(T0.plusSeconds(60), "c.example", "a", "policy.put", "v2", AuditEvent.Outcome.DENIED, "not admin", "r"));
        audit.record(AuditEvent.of(T0.plusSeconds(60), "c.example", "a", "policy.rollback", "v3", AuditEvent.Outcome.SUCCESS, "", "r"));

        List<AuditEvent> found = audit.find(new AuditQuery("c.example", T0.plusSeconds(30), Optional.of("policy.put"), 10));

        assertThat(found).singleElement().satisfies(e -> {
            assertThat(e.target()).isEqualTo("v2");
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.detail()).isEqualTo("not admin");
        });
    }

    @Test
    void record_overlongDetail_isCutNotRefused() {
        AuditEvent event = AuditEvent.of(T0, "d.example", "a", "x.do", "t", AuditEvent.Outcome.FAILED,
                "x".repeat(5000), "r");

        audit.record(event);

        assertThat(audit.find(new AuditQuery("d.example", T0, Optional.empty(), 1)))
                .singleElement().extracting(e -> e.detail().length()).isEqualTo(AuditEvent.MAX_DETAIL);
    }

    @Test
    void query_outOfBounds_isRejectedWithExpectation() {
        assertThatThrownBy(() -> new AuditQuery("a", T0, Optional.empty(), 0)).hasMessage("limit: 0 (expected: between 1 and 1000)");
        assertThatThrownBy(() -> new AuditQuery("a", T0, Optional.empty(), 1001)).hasMessageContaining("between 1 and 1000");
        assertThatThrownBy(() -> new AuditQuery(" ", T0, Optional.empty(), 1)).hasMessageContaining("trust_domain");
    }

    @Test
    void reader_pagesNewestFirstByKeyset_andShowsOnlyTheTrustDomainAsked() {
        AuditReader reader = context.getBean(AuditReader.class);
        for (int i = 0; i < 7; i++) {
            audit.record(AuditEvent.of(T0.plusSeconds(i), "pages.example", "spiffe://pages.example/a", "x.page", "t" + i,
                    AuditEvent.Outcome.SUCCESS, "", "r" + i));
        }
        // Two events at the same instant: the id breaks the tie, and paging still sees each once.
        audit.record(AuditEvent.of(T0.plusSeconds(3), "pages.example", "spiffe://pages.example/b", "x.page", "tie",
                AuditEvent.Outcome.DENIED, "", "r"));
        audit.record(AuditEvent.of(T0.plusSeconds(5), "other-pages.example", "spiffe://other-pages.example/a", "x.page", "theirs",
                AuditEvent.Outcome.SUCCESS, "", "r"));

        List<String> seen = new java.util.ArrayList<>();
        Optional<AuditPageQuery.Position> after = Optional.empty();
        int pages = 0;
        do {
            AuditPage page = reader.page(new AuditPageQuery("pages.example", Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), 3, after));
            page.events().forEach(e -> seen.add(e.target()));
            after = page.next();
            pages++;
        } while (after.isPresent() && pages < 10);

        assertThat(seen).hasSize(8).doesNotHaveDuplicates().doesNotContain("theirs");
        assertThat(seen.get(0)).isEqualTo("t6");
        assertThat(seen.get(7)).isEqualTo("t0");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void reader_filtersByTimeRangeKindActorAndOutcome() {
        AuditReader reader = context.getBean(AuditReader.class);
        String d = "filters.example";
        audit.record(AuditEvent.of(T0, d, "alice", "x.create", "1", AuditEvent.Outcome.SUCCESS, "", "r"));
        audit.record(AuditEvent.of(T0.plusSeconds(10), d, "bob", "x.create", "2", AuditEvent.Outcome.DENIED, "", "r"));
        audit.record(AuditEvent.of(T0.plusSeconds(20), d, "alice", "x.delete", "3", AuditEvent.Outcome.FAILED, "", "r"));

        assertThat(targets(reader, new AuditPageQuery(d, Optional.of(T0.plusSeconds(5)), Optional.of(T0.plusSeconds(20)),
                Optional.empty(), Optional.empty(), Optional.empty(), 10, Optional.empty()))).containsExactly("2");
        assertThat(targets(reader, new AuditPageQuery(d, Optional.empty(), Optional.empty(), Optional.of("x.create"),
                Optional.of("alice"), Optional.empty(), 10, Optional.empty()))).containsExactly("1");
        assertThat(targets(reader, new AuditPageQuery(d, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(AuditEvent.Outcome.FAILED), 10, Optional.empty()))).containsExactly("3");
    }

    @Test
    void retriedBatch_afterItsCommitWasStored_storesEachRowOnce_andDoesNotFail() throws Exception {
        List<AuditEvent> batch = new java.util.ArrayList<>();
        for (int i = 0; i < AuditInserts.LARGE + AuditInserts.SMALL + 3; i++) {
            batch.add(AuditEvent.of(T0, "retry.example", "a", "x.do", "e" + i, AuditEvent.Outcome.SUCCESS, "", "r"));
        }
        javax.sql.DataSource ds = dataSource();
        try (java.sql.Connection c = ds.getConnection()) {
            AuditInserts.insert(c, batch);
            // The same batch again (its first commit's acknowledgement was lost), now with one new event.
            List<AuditEvent> again = new java.util.ArrayList<>(batch);
            again.add(AuditEvent.of(T0, "retry.example", "a", "x.do", "new", AuditEvent.Outcome.SUCCESS, "", "r"));
            AuditInserts.insert(c, again);
        }

        assertThat(count(ds, "trust_domain = 'retry.example'")).isEqualTo(batch.size() + 1);
    }

    @Test
    void newBatch_storesEveryValueAsGiven_evenTabsNewlinesBackslashesAndUnicode() throws Exception {
        // On PostgreSQL a first attempt goes through COPY's text format, where these characters are syntax.
        Instant at = Instant.parse("2026-11-22T10:00:00.123456Z");
        List<AuditEvent> batch = new java.util.ArrayList<>();
        String odd = "tab\there, newline\nthere, cr\r, backslash \\N \\t \\, quote ' \" and ünïcødé ✓ 𝄞";
        for (int i = 0; i < 300; i++) {
            batch.add(AuditEvent.of(at.plusSeconds(i), "copy.example", "actor " + odd, "x.do", "e" + i, AuditEvent.Outcome.DENIED,
                    odd + i, "req\t" + i));
        }
        try (java.sql.Connection c = dataSource().getConnection()) {
            AuditInserts.insertNew(c, batch);
        }

        List<AuditEvent> stored = audit.find(new AuditQuery("copy.example", T0, Optional.empty(), 1000));
        assertThat(stored).containsExactlyInAnyOrderElementsOf(batch);
    }

    @Test
    void anEventCarryingNul_isStoredWithAReplacement_andDoesNotFailItsBatch() throws Exception {
        // An attacker's value with U+0000 (PostgreSQL text cannot hold it) must not poison the
        // batch it lands in: that would fail every audited call queued beside it, again on each retry.
        String nul = "evil\u0000client";
        audit.recordSoon(AuditEvent.of(T0, "nul.example", "neighbour", "x.do", "before", AuditEvent.Outcome.SUCCESS, "", "r"));
        audit.record(AuditEvent.of(T0, "nul.example", nul, "x.do", nul, AuditEvent.Outcome.DENIED, nul, nul));
        audit.record(AuditEvent.of(T0, "nul.example", "neighbour", "x.do", "after", AuditEvent.Outcome.SUCCESS, "", "r"));

        List<AuditEvent> stored = audit.find(new AuditQuery("nul.example", T0, Optional.empty(), 10));
        assertThat(stored).extracting(AuditEvent::target).containsExactlyInAnyOrder("before", "evil\uFFFDclient", "after");
        assertThat(stored).filteredOn(e -> e.outcome() == AuditEvent.Outcome.DENIED).singleElement()
                .satisfies(e -> assertThat(List.of(e.actor(), e.detail(), e.requestId())).containsOnly("evil\uFFFDclient"));
    }

    @Test
    void aBatchNoCallerWaitsFor_isStored_andLeavesItsConnectionDurableForTheNextBorrower() throws Exception {
        // recordSoon's batches commit without waiting for PostgreSQL's WAL flush; record's must still
        // wait, so the setting must end with that transaction, never stay on the pooled connection.
        List<AuditEvent> batch = List.of(
                AuditEvent.of(T0, "async.example", "a", "x.do", "1", AuditEvent.Outcome.SUCCESS, "", "r"),
                AuditEvent.of(T0, "async.example", "a", "x.do", "2", AuditEvent.Outcome.SUCCESS, "", "r"));
        try (java.sql.Connection c = dataSource().getConnection()) {
            AuditInserts.insertNew(c, batch, false);
            if (c.isWrapperFor(org.postgresql.PGConnection.class)) {
                try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("on");
                }
            }
        }
        assertThat(count(dataSource(), "trust_domain = 'async.example'")).isEqualTo(2);
    }

    /** The pruning tests' clock: 100 days after {@code T0}, with a 90-day retention. */
    private static final Instant PRUNE_NOW = T0.plus(java.time.Duration.ofDays(100));

    private static JdbcAuditLog pruningLog(javax.sql.DataSource ds) {
        return new JdbcAuditLog(null, ds, null, 64, new JdbcAuditLog.Settings(java.time.Duration.ofDays(90),
                java.time.Duration.ofDays(1), java.time.Duration.ZERO), java.time.Clock.fixed(PRUNE_NOW, java.time.ZoneOffset.UTC));
    }

    @Test
    void prune_deletesOnlyRowsOlderThanTheRetention() throws Exception {
        javax.sql.DataSource ds = dataSource();
        Instant now = PRUNE_NOW;
        JdbcAuditLog log = pruningLog(ds);
        try {
            log.record(AuditEvent.of(now.minus(java.time.Duration.ofDays(91)), "prune.example", "a", "x.do", "old",
                    AuditEvent.Outcome.SUCCESS, "", "r"));
            log.record(AuditEvent.of(now.minus(java.time.Duration.ofDays(89)), "prune.example", "a", "x.do", "kept",
                    AuditEvent.Outcome.SUCCESS, "", "r"));

            assertThat(log.prune()).isGreaterThanOrEqualTo(1);
            assertThat(count(ds, "trust_domain = 'prune.example' AND target = 'old'")).isZero();
            assertThat(count(ds, "trust_domain = 'prune.example' AND target = 'kept'")).isOne();
        } finally {
            log.close();
        }
    }

    @Test
    void prune_deletesTheOldRowsOfEveryTrustDomain_andNoIndexOnTheTimeAloneIsKept() throws Exception {
        javax.sql.DataSource ds = dataSource();
        Instant now = PRUNE_NOW;
        JdbcAuditLog log = pruningLog(ds);
        List<String> domains = List.of("a.prune-all.example", "m.prune-all.example", "z.prune-all.example");
        try {
            for (String domain : domains) {
                for (int i = 0; i < 3; i++) {
                    log.recordSoon(AuditEvent.of(now.minus(java.time.Duration.ofDays(91 + i)), domain, "a", "x.do", "old",
                            AuditEvent.Outcome.SUCCESS, "", "r"));
                }
                log.record(AuditEvent.of(now.minus(java.time.Duration.ofDays(1)), domain, "a", "x.do", "kept",
                        AuditEvent.Outcome.SUCCESS, "", "r"));
            }

            assertThat(log.prune()).isGreaterThanOrEqualTo(9);
            for (String domain : domains) {
                assertThat(count(ds, "trust_domain = '" + domain + "' AND target = 'old'")).as(domain).isZero();
                assertThat(count(ds, "trust_domain = '" + domain + "' AND target = 'kept'")).as(domain).isOne();
            }
            assertThat(log.prune()).as("nothing left to prune").isZero();
        } finally {
            log.close();
        }
        try (java.sql.Connection c = ds.getConnection()) {
            java.sql.DatabaseMetaData meta = c.getMetaData();
            String table = meta.storesUpperCaseIdentifiers() ? "AUDIT_EVENT" : "audit_event";
            List<String> indexes = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = meta.getIndexInfo(null, c.getSchema(), table, false, false)) {
                while (rs.next()) {
                    indexes.add(String.valueOf(rs.getString("INDEX_NAME")).toLowerCase(java.util.Locale.ROOT));
                }
            }
            assertThat(indexes).contains("audit_event_domain_time").doesNotContain("audit_event_time");
        }
    }

    @Test
    void repeatedIdenticalDenials_areOneRowForTheFirst_andOneCountedRow() throws Exception {
        javax.sql.DataSource ds = dataSource();
        JdbcAuditLog log = new JdbcAuditLog(null, ds, null, 64, new JdbcAuditLog.Settings(java.time.Duration.ZERO,
                java.time.Duration.ofDays(1), java.time.Duration.ofMinutes(1)), java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
        try {
            for (int i = 0; i < 500; i++) {
                assertThat(log.recordRepeatable(AuditEvent.of(T0.plusMillis(i), "fold.example", "spiffe://fold.example/client",
                        "identity.validate_token", "-", AuditEvent.Outcome.DENIED, "REVOKED: jti j-1", "r" + i))).isTrue();
            }
            log.recordRepeatable(AuditEvent.of(T0, "fold.example", "spiffe://fold.example/other", "identity.validate_token", "-",
                    AuditEvent.Outcome.DENIED, "REVOKED: jti j-1", "o"));
            log.awaitQueued();
            assertThat(count(ds, "trust_domain = 'fold.example'")).isEqualTo(2);
        } finally {
            log.close();
        }

        assertThat(count(ds, "trust_domain = 'fold.example'")).isEqualTo(3);
        assertThat(count(ds, "trust_domain = 'fold.example' AND request_id = 'r0' AND detail = 'REVOKED: jti j-1'")).isOne();
        assertThat(count(ds, "trust_domain = 'fold.example' AND request_id = 'r0' AND detail = "
                + "'REVOKED: jti j-1 [repeated 499 more times until " + T0.plusMillis(499) + "]'")).isOne();
    }

    private javax.sql.DataSource dataSource() {
        return io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(
                context.getBean(javax.sql.DataSource.class));
    }

    private static long count(javax.sql.DataSource ds, String where) throws java.sql.SQLException {
        try (java.sql.Connection c = ds.getConnection(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM audit_event WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> targets(AuditReader reader, AuditPageQuery query) {
        return reader.page(query).events().stream().map(AuditEvent::target).toList();
    }
}
