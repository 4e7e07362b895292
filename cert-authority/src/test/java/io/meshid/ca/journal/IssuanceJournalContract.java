package io.meshid.ca.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The issuance journal's behaviour, against each database meshid supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IssuanceJournalContract {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private TestDatabase database;
    private ApplicationContext context;
    private IssuanceJournal journal;

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "cert-authority"));
        p.put("meshid.ca.key-encryption-key", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        p.put("meshid.ca.bundle-endpoint.enabled", false);
        context = ApplicationContext.run(p);
        journal = context.getBean(IssuanceJournal.class);
    }

    @AfterAll
    void stop() {
        context.close();
        database.close();
    }

    private static IssuedCertificate line(String serial, String domain, String id, Instant at) {
        return new IssuedCertificate(serial, domain, id, at, at.plusSeconds(3600), "spiffe://" + domain + "/meshid/identity-server",
                "ab".repeat(32), List.of("a.svc", "b.svc"), "entry-1", "issuer-1", at);
    }

    @Test
    void record_thenList_returnsEveryField() {
        IssuedCertificate line = line("81aa", "a.test", "spiffe://a.test/ns/x/sa/y", T0);

        journal.record(line);

        assertThat(journal.list(new JournalQuery("a.test", Optional.empty(), Optional.of("81aa"), 10, Optional.empty())).certificates())
                .containsExactly(line);
    }

    @Test
    void list_isScopedByTrustDomain_filteredById_newestFirst_andPaged() {
        for (int i = 0; i < 5; i++) {
            journal.record(line("82" + i, "b.test", "spiffe://b.test/ns/x/sa/y", T0.plusSeconds(i)));
        }
        journal.record(line("8299", "b.test", "spiffe://b.test/ns/other/sa/z", T0));
        journal.record(line("8300", "c.test", "spiffe://c.test/ns/x/sa/y", T0));

        JournalPage first = journal.list(new JournalQuery("b.test", Optional.of("spiffe://b.test/ns/x/sa/y"), Optional.empty(), 3, Optional.empty()));
        JournalPage second = journal.list(new JournalQuery("b.test", Optional.of("spiffe://b.test/ns/x/sa/y"), Optional.empty(), 3, first.nextPageToken()));

        assertThat(first.certificates()).extracting(IssuedCertificate::serial).containsExactly("824", "823", "822");
        assertThat(second.certificates()).extracting(IssuedCertificate::serial).containsExactly("821", "820");
        assertThat(second.nextPageToken()).isEmpty();
    }

    @Test
    void concurrentRecords_areAllDurable_whenEachCallReturns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String serial = "9" + i;
                done.add(pool.submit(() -> journal.record(line(serial, "d.test", "spiffe://d.test/ns/x/sa/y", T0))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }

        assertThat(journal.list(new JournalQuery("d.test", Optional.empty(), Optional.empty(), 1000, Optional.empty())).certificates())
                .hasSize(400);
    }

    @Test
    void list_withForeignPageToken_isInvalidArgument() {
        assertThatThrownBy(() -> journal.list(new JournalQuery("a.test", Optional.empty(), Optional.empty(), 10, Optional.of("%%%"))))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("page_token");
    }

    @Test
    void duplicateSerial_failsThatCall_andLeavesTheFirstLine() {
        journal.record(line("77", "e.test", "spiffe://e.test/ns/x/sa/y", T0));

        assertThatThrownBy(() -> journal.record(line("77", "e.test", "spiffe://e.test/ns/x/sa/other", T0)))
                .isInstanceOf(MeshidException.Unavailable.class);
        assertThat(journal.list(new JournalQuery("e.test", Optional.empty(), Optional.of("77"), 10, Optional.empty())).certificates())
                .singleElement().extracting(IssuedCertificate::spiffeId).isEqualTo("spiffe://e.test/ns/x/sa/y");
    }

    @Test
    void revoke_marksTheLineOnce_inItsTrustDomainOnly() {
        journal.record(line("a1", "f.test", "spiffe://f.test/ns/x/sa/y", T0));

        IssuedCertificate revoked = journal.revoke("f.test", "a1", "KEY_COMPROMISE", T0.plusSeconds(10)).orElseThrow();
        IssuedCertificate again = journal.revoke("f.test", "a1", "SUPERSEDED", T0.plusSeconds(20)).orElseThrow();

        assertThat(revoked.revokedAt()).contains(T0.plusSeconds(10));
        assertThat(revoked.revocationReason()).contains("KEY_COMPROMISE");
        assertThat(again).isEqualTo(revoked);
        assertThat(journal.revoke("other.test", "a1", "KEY_COMPROMISE", T0)).isEmpty();
        assertThat(journal.revoke("f.test", "ffff", "KEY_COMPROMISE", T0)).isEmpty();
        assertThat(journal.revokedUnexpired("f.test", T0.plusSeconds(60))).containsExactly(revoked);
        assertThat(journal.revokedUnexpired("f.test", T0.plusSeconds(3600))).as("expired").isEmpty();
    }
}
