package io.meshid.policy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The policy store against each database meshid supports. Each test uses a trust domain of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PolicyStoreContract {

    private static final SpiffeId ADMIN = SpiffeId.parse("spiffe://store.test/meshid/admin");
    private static final AtomicInteger DOMAINS = new AtomicInteger();

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private TestDatabase database;
    private ApplicationContext context;
    private PolicyStore store;
    private AuditLog audit;

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "policy-server"));
        p.put("meshid.trust-domain", "store.test");
        context = ApplicationContext.builder().properties(p).build();
        context.registerSingleton(Clock.class, clock);
        context.start();
        store = context.getBean(PolicyStore.class);
        audit = context.getBean(AuditLog.class);
    }

    @AfterAll
    void stop() {
        context.close();
        database.close();
    }

    private static TrustDomain fresh() {
        return TrustDomain.of("d" + DOMAINS.incrementAndGet() + ".store.test");
    }

    private VersionInfo put(TrustDomain td, PolicySetSource source, boolean shadow) {
        return store.put(new PolicyStore.PutParams(td, source, "c", ADMIN, OptionalLong.empty(), shadow)).version();
    }

    @Test
    void put_numbersFromOne_andGetReturnsTheSourceAsPut() {
        TrustDomain td = fresh();
        clock.advance(Duration.ofSeconds(1));
        VersionInfo first = store.put(new PolicyStore.PutParams(td, TestSources.valid(), "first", ADMIN, OptionalLong.of(0), false))
                .version();
        VersionInfo second = put(td, TestSources.single("only"), false);

        assertThat(first.version()).isEqualTo(1);
        assertThat(first.author()).isEqualTo(ADMIN.toString());
        assertThat(first.comment()).isEqualTo("first");
        assertThat(first.policyCount()).isEqualTo(3);
        assertThat(second.version()).isEqualTo(2);
        StoredPolicySet active = store.get(td, OptionalLong.empty(), false);
        assertThat(active.info().version()).isEqualTo(2);
        assertThat(active.info().state()).isEqualTo(VersionState.ACTIVE);
        StoredPolicySet one = store.get(td, OptionalLong.of(1), false);
        assertThat(one.source()).isEqualTo(TestSources.valid());
        assertThat(one.info().state()).isEqualTo(VersionState.INACTIVE);
        assertThat(one.info().createdAt()).isEqualTo(clock.instant());
        assertThat(store.heads(td)).isEqualTo(new Heads(td, 2, 2, Optional.of(clock.instant()), 0, Optional.empty()));
    }

    @Test
    void put_withStaleExpectedVersion_isAborted_andStoresNothing() {
        TrustDomain td = fresh();
        put(td, TestSources.valid(), false);

        assertThatThrownBy(() -> store.put(new PolicyStore.PutParams(td, TestSources.valid(), "", ADMIN, OptionalLong.of(0), false)))
                .isInstanceOfSatisfying(VersionMismatchException.class, e -> assertThat(e.latestVersion()).isEqualTo(1));
        assertThatThrownBy(() -> store.rollback(new PolicyStore.RollbackParams(td, 1, "", ADMIN, OptionalLong.of(7))))
                .isInstanceOf(VersionMismatchException.class);
        assertThat(store.heads(td).latest()).isEqualTo(1);
    }

    @Test
    void shadowPut_keepsTheActiveVersion_andANonShadowPutEndsTheShadow() {
        TrustDomain td = fresh();
        put(td, TestSources.valid(), false);
        VersionInfo shadow = put(td, TestSources.single("s"), true);

        assertThat(shadow.state()).isEqualTo(VersionState.SHADOW);
        assertThat(store.get(td, OptionalLong.empty(), true).info().version()).isEqualTo(2);
        assertThat(store.get(td, OptionalLong.empty(), false).info().version()).isEqualTo(1);
        assertThat(store.heads(td).shadow()).isEqualTo(2);

        put(td, TestSources.single("n"), false);
        assertThat(store.heads(td).active()).isEqualTo(3);
        assertThat(store.heads(td).shadow()).isZero();
        assertThatThrownBy(() -> store.get(td, OptionalLong.empty(), true)).isInstanceOf(MeshidException.NotFound.class);
        assertThat(store.get(td, OptionalLong.of(2), false).info().state()).isEqualTo(VersionState.INACTIVE);
    }

    @Test
    void rollback_copiesTheTarget_asANewActiveVersion_andEndsTheShadow() {
        TrustDomain td = fresh();
        put(td, TestSources.valid(), false);
        put(td, TestSources.single("two"), false);
        put(td, TestSources.single("shadow"), true);

        VersionInfo back = store.rollback(new PolicyStore.RollbackParams(td, 1, "", ADMIN, OptionalLong.of(3)));

        assertThat(back.version()).isEqualTo(4);
        assertThat(back.copiedFrom()).isEqualTo(1);
        assertThat(back.comment()).isEqualTo("rollback to version 1");
        assertThat(back.policyCount()).isEqualTo(3);
        StoredPolicySet active = store.get(td, OptionalLong.empty(), false);
        assertThat(active.info().version()).isEqualTo(4);
        assertThat(active.source()).isEqualTo(TestSources.valid());
        assertThat(store.heads(td).shadow()).isZero();
    }

    @Test
    void rollback_toVersionZeroOrAMissingOne_isRefused_andChangesNothing() {
        TrustDomain td = fresh();
        put(td, TestSources.valid(), false);

        assertThatThrownBy(() -> store.rollback(new PolicyStore.RollbackParams(td, 0, "", ADMIN, OptionalLong.empty())))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("target_version: 0");
        assertThatThrownBy(() -> store.rollback(new PolicyStore.RollbackParams(td, 9, "", ADMIN, OptionalLong.empty())))
                .isInstanceOf(MeshidException.NotFound.class).hasMessageContaining("no version 9");
        assertThatThrownBy(() -> store.rollback(new PolicyStore.RollbackParams(td, 1, "x".repeat(1025), ADMIN, OptionalLong.empty())))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("comment: 1025 characters");
        assertThat(store.heads(td).latest()).isEqualTo(1);
    }

    @Test
    void invalidPut_storesNothing_andIsAudited() {
        TrustDomain td = fresh();
        assertThatThrownBy(() -> put(td, TestSources.of("@id(\"x\") permit(principal is Nope, action, resource);"), false))
                .isInstanceOfSatisfying(PolicySetInvalidException.class,
                        e -> assertThat(e.report().errors()).extracting(io.meshid.policy.validation.ValidationError::code)
                                .contains("unknown_entity_type"));
        assertThat(store.heads(td).latest()).isZero();
        assertThatThrownBy(() -> store.get(td, OptionalLong.empty(), false)).isInstanceOf(MeshidException.NotFound.class);

        put(td, TestSources.valid(), false);
        List<AuditEvent> events = audit.find(new AuditQuery(td.name(), Instant.EPOCH, Optional.empty(), 10));
        assertThat(events).extracting(AuditEvent::action).containsExactlyInAnyOrder("policy.put", "policy.put");
        assertThat(events).extracting(AuditEvent::outcome)
                .containsExactlyInAnyOrder(AuditEvent.Outcome.FAILED, AuditEvent.Outcome.SUCCESS);
        assertThat(events).extracting(AuditEvent::actor).containsOnly(ADMIN.toString());
    }

    @Test
    void get_refusesVersionWithShadow_andNamesWhatIsMissing() {
        TrustDomain td = fresh();
        assertThatThrownBy(() -> store.get(td, OptionalLong.of(1), true)).isInstanceOf(MeshidException.InvalidArgument.class);
        assertThatThrownBy(() -> store.get(td, OptionalLong.empty(), false)).isInstanceOf(MeshidException.NotFound.class)
                .hasMessageContaining("has no active version");
        put(td, TestSources.valid(), false);
        assertThatThrownBy(() -> store.get(td, OptionalLong.of(2), false)).isInstanceOf(MeshidException.NotFound.class)
                .hasMessageContaining("no version 2");
    }

    @Test
    void list_pagesNewestFirst_withKeysetTokens_scopedByTrustDomain() {
        TrustDomain td = fresh();
        TrustDomain other = fresh();
        for (int i = 0; i < 5; i++) {
            put(td, TestSources.single("p" + i), i == 4);
        }
        put(other, TestSources.valid(), false);

        PolicyStore.VersionPage first = store.list(td, 2, "");
        assertThat(first.versions()).extracting(VersionInfo::version).containsExactly(5L, 4L);
        assertThat(first.activeVersion()).isEqualTo(4);
        assertThat(first.shadowVersion()).isEqualTo(5);
        assertThat(first.versions()).extracting(VersionInfo::state).containsExactly(VersionState.SHADOW, VersionState.ACTIVE);
        PolicyStore.VersionPage second = store.list(td, 2, first.nextPageToken().orElseThrow());
        assertThat(second.versions()).extracting(VersionInfo::version).containsExactly(3L, 2L);
        PolicyStore.VersionPage last = store.list(td, 2, second.nextPageToken().orElseThrow());
        assertThat(last.versions()).extracting(VersionInfo::version).containsExactly(1L);
        assertThat(last.nextPageToken()).isEmpty();

        assertThat(store.list(other, 0, "").versions()).extracting(VersionInfo::version).containsExactly(1L);
        assertThat(store.list(fresh(), 0, "").versions()).isEmpty();
        assertThatThrownBy(() -> store.list(other, 0, first.nextPageToken().get()))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("page_token");
        assertThatThrownBy(() -> store.list(td, 1001, "")).isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageStartingWith("page_size: 1001");
        assertThatThrownBy(() -> store.list(td, -1, "")).isInstanceOf(MeshidException.InvalidArgument.class);
        assertThatThrownBy(() -> store.list(td, 0, "!!")).isInstanceOf(MeshidException.InvalidArgument.class);
    }

    @Test
    void concurrentPuts_getGapFreeUniqueNumbers() throws Exception {
        TrustDomain td = fresh();
        int threads = 6;
        int each = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            results.add(pool.submit(() -> {
                go.await();
                List<Long> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    mine.add(put(td, TestSources.single("t" + thread + "-" + i), i % 2 == 1).version());
                }
                return mine;
            }));
        }
        go.countDown();
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : results) {
            all.addAll(f.get());
        }
        pool.shutdown();

        assertThat(all).hasSize(threads * each).doesNotHaveDuplicates();
        assertThat(all).allMatch(v -> v >= 1 && v <= threads * each);
        assertThat(store.heads(td).latest()).isEqualTo(threads * each);
        assertThat(store.list(td, 1000, "").versions()).hasSize(threads * each);
    }
}
