package io.meshid.identity.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The registry's behaviour against each database meshid supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RegistryContract {

    private static final TrustDomain HOME = TrustDomain.of("reg.test");
    private static final TrustDomain OTHER = TrustDomain.of("other.test");

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    private TestDatabase database;
    private ApplicationContext context;
    private Registry registry;
    private static final Selector PROD = KubernetesSelectors.cluster("prod");
    private static final Selector DEV = KubernetesSelectors.cluster("dev");

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", HOME.name());
        p.put("meshid.identity.jwt-svid-ttl", "PT7M");
        context = ApplicationContext.builder().properties(p).build();
        context.registerSingleton(Clock.class, clock);
        context.start();
        registry = context.getBean(Registry.class);
        context.getBean(RegistryStore.class).ensureTrustDomain(OTHER, "", "test", clock.instant());
    }

    @AfterAll
    void stop() {
        context.close();
        database.close();
    }

    private RegistrationEntry create(String id, Selector... selectors) {
        return registry.createEntry(new EntryParams(SpiffeId.parse(id), List.of(selectors), Optional.empty(), Optional.empty(),
                List.of(), false, "spiffe://reg.test/meshid/admin"));
    }

    @Test
    void createEntry_appliesDefaults_andReadsBackInItsTrustDomainOnly() {
        RegistrationEntry e = create("spiffe://reg.test/ns/a/sa/one", PROD, new Selector("k8s", "ns:a"), new Selector("k8s", "sa:one"));

        assertThat(e.x509SvidTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(e.jwtSvidTtl()).isEqualTo(Duration.ofMinutes(7));
        assertThat(registry.entry(HOME, e.id())).contains(e);
        assertThat(registry.entry(OTHER, e.id())).isEmpty();
        assertThat(registry.deleteEntry(OTHER, e.id())).isFalse();
        assertThat(registry.entry(HOME, e.id())).isPresent();
    }

    @Test
    void createEntry_sameIdAndSelectors_isAlreadyExists_otherSelectorsAreFine() {
        create("spiffe://reg.test/ns/dup/sa/x", PROD, new Selector("k8s", "ns:dup"));

        assertThatThrownBy(() -> create("spiffe://reg.test/ns/dup/sa/x", PROD, new Selector("k8s", "ns:dup")))
                .isInstanceOf(MeshidException.AlreadyExists.class);
        assertThat(create("spiffe://reg.test/ns/dup/sa/x", PROD, new Selector("k8s", "ns:dup2")).id()).isNotBlank();
    }

    @Test
    void createEntry_forAReservedIdentity_isPermissionDenied_andStoresNothing() {
        int before = registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries().size();

        for (String id : List.of("spiffe://reg.test/meshid/identity-server", "spiffe://reg.test/meshid/cert-authority",
                "spiffe://reg.test/MeshID/admin", "spiffe://reg.test/meshid", "spiffe://other.test/meshid/identity-server")) {
            assertThatThrownBy(() -> create(id, new Selector("k8s", "ns:a")))
                    .as(id).isInstanceOf(MeshidException.PermissionDenied.class).hasMessageContaining(id + " is reserved");
        }
        assertThat(registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries()).hasSize(before);
    }

    @Test
    void createEntry_badInput_isInvalidArgument_andStoresNothing() {
        int before = registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries().size();

        assertThatThrownBy(() -> registry.createEntry(new EntryParams(SpiffeId.parse("spiffe://reg.test/ns/b/sa/b"), List.of(),
                Optional.of(Duration.ofSeconds(5)), Optional.empty(), List.of(), false, "t")))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("x509_svid_ttl: PT5S (expected: between PT1M and PT24H");
        assertThatThrownBy(() -> registry.createEntry(new EntryParams(SpiffeId.parse("spiffe://reg.test/ns/b/sa/b"), List.of(),
                Optional.empty(), Optional.empty(), List.of("*.bad"), false, "t")))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("dns_names: '*.bad'");
        assertThatThrownBy(() -> create("spiffe://reg.test/ns/b/sa/b", new Selector("k8s", "ns:b"), new Selector("k8s", "ns:b")))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("repeat a selector");
        assertThatThrownBy(() -> new Selector("K8S", "x")).isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("selector type: 'K8S'");
        assertThatThrownBy(() -> create("spiffe://unknown.test/ns/b/sa/b")).isInstanceOf(MeshidException.NotFound.class);

        assertThat(registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries()).hasSize(before);
    }

    @Test
    void list_filtersBySelectorsPrefixAndPages() {
        for (int i = 0; i < 5; i++) {
            create("spiffe://reg.test/ns/list/sa/w" + i, PROD, new Selector("k8s", "ns:list"), new Selector("k8s", "sa:w" + i));
        }
        create("spiffe://reg.test/ns/other/sa/w", PROD, new Selector("k8s", "ns:other"));

        var first = registry.list(query(Optional.of("/ns/list/"), List.of(new Selector("k8s", "ns:list")), 3, Optional.empty()));
        var second = registry.list(query(Optional.of("/ns/list/"), List.of(new Selector("k8s", "ns:list")), 3, first.nextPageToken()));
        var one = registry.list(query(Optional.empty(), List.of(new Selector("k8s", "sa:w3")), 10, Optional.empty()));

        assertThat(first.entries()).extracting(e -> e.spiffeId().path()).containsExactly("/ns/list/sa/w0", "/ns/list/sa/w1", "/ns/list/sa/w2");
        assertThat(second.entries()).extracting(e -> e.spiffeId().path()).containsExactly("/ns/list/sa/w3", "/ns/list/sa/w4");
        assertThat(second.nextPageToken()).isEmpty();
        assertThat(one.entries()).singleElement().extracting(e -> e.spiffeId().path()).isEqualTo("/ns/list/sa/w3");
    }

    @Test
    void joinToken_isSingleUse_underConcurrency() throws Exception {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/race");
        JoinToken token = registry.createJoinToken(HOME, e.id(), Optional.empty());
        assertThat(token.toString()).doesNotContain(token.secret());

        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<RegistrationEntry>>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            results.add(pool.submit((Callable<Optional<RegistrationEntry>>) () -> {
                go.await();
                return registry.consumeJoinToken(token.secret());
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Optional<RegistrationEntry>> f : results) {
            winners += f.get().isPresent() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(winners).isEqualTo(1);
        assertThat(registry.consumeJoinToken(token.secret())).isEmpty();
    }

    @Test
    void joinToken_expires_andUnknownTokensGetNothing() {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/late");
        JoinToken token = registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofMinutes(2)));

        clock.advance(Duration.ofMinutes(3));

        assertThat(registry.consumeJoinToken(token.secret())).isEmpty();
        assertThat(registry.consumeJoinToken("not-a-token")).isEmpty();
        assertThatThrownBy(() -> registry.createJoinToken(OTHER, e.id(), Optional.empty())).isInstanceOf(MeshidException.NotFound.class);
        assertThatThrownBy(() -> registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofDays(8))))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("ttl: PT192H");
    }

    @Test
    void aConsumedJoinToken_leavesNoRow_soTheCapCountsOnlyTokensThatCanStillBeUsed() {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/fleet");
        for (int round = 0; round < 3; round++) {
            JoinToken token = registry.createJoinToken(HOME, e.id(), Optional.empty());
            assertThat(registry.consumeJoinToken(token.secret())).map(RegistrationEntry::id).contains(e.id());
            assertThat(registry.consumeJoinToken(token.secret())).as("a replay").isEmpty();
        }
        registry.createJoinToken(HOME, e.id(), Optional.empty());

        assertThat(tokenRows(e.id())).isEqualTo(1);
    }

    @Test
    void thePruner_deletesExpiredAndFormerlyKeptUsedTokens_andLeavesUsableOnesUsable() {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/prune");
        JoinToken expiring = registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofMinutes(1)));
        JoinToken keptUsed = registry.createJoinToken(HOME, e.id(), Optional.empty());
        JoinToken usable = registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofHours(1)));
        // How a version that kept used tokens left them: marked, not deleted.
        statements().update("UPDATE id_join_token SET consumed_at = ? WHERE entry_id = ? AND expires_at = ?",
                java.sql.Timestamp.from(clock.instant()), e.id(), java.sql.Timestamp.from(keptUsed.expiresAt()));
        clock.advance(Duration.ofMinutes(2));

        assertThat(context.getBean(JoinTokenPruner.class).prune()).isGreaterThanOrEqualTo(2);

        assertThat(tokenRows(e.id())).isEqualTo(1);
        assertThat(registry.consumeJoinToken(expiring.secret())).isEmpty();
        assertThat(registry.consumeJoinToken(keptUsed.secret())).isEmpty();
        assertThat(registry.consumeJoinToken(usable.secret())).map(RegistrationEntry::id).contains(e.id());
    }

    private io.meshid.common.jdbc.Statements statements() {
        return new io.meshid.common.jdbc.Statements(io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(
                context.getBean(javax.sql.DataSource.class)), "test");
    }

    private long tokenRows(String entryId) {
        return statements().query("SELECT COUNT(*) FROM id_join_token WHERE entry_id = ?", rs -> rs.getLong(1), entryId).get(0);
    }

    @Test
    void joinTokenTtl_isBoundedAsTheContractSays_oneMinuteTo24Hours() {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/bounds");

        assertThat(registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofHours(24))).expiresAt())
                .isEqualTo(clock.instant().plus(Duration.ofHours(24)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofMinutes(1)))).isNotNull();
        assertThatThrownBy(() -> registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofHours(25))))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessage("ttl: PT25H (expected: between PT1M and PT24H, or unset "
                        + "for PT10M)");
        assertThatThrownBy(() -> registry.createJoinToken(HOME, e.id(), Optional.of(Duration.ofSeconds(59))))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("ttl: PT59S");
    }

    @Test
    void anEntryWithoutAJwtSvidTtl_getsTheConfiguredOne() {
        assertThat(create("spiffe://reg.test/ns/ttl/sa/default").jwtSvidTtl()).isEqualTo(Duration.ofMinutes(7));
    }

    @Test
    void deleteEntry_takesItsUnusedJoinTokensWithIt() {
        RegistrationEntry e = create("spiffe://reg.test/ns/join/sa/gone");
        JoinToken token = registry.createJoinToken(HOME, e.id(), Optional.empty());

        assertThat(registry.deleteEntry(HOME, e.id())).isTrue();
        assertThat(registry.consumeJoinToken(token.secret())).isEmpty();
    }

    private static EntryQuery query(Optional<String> prefix, List<Selector> selectors, int size, Optional<String> token) {
        return new EntryQuery(HOME, Optional.empty(), prefix, selectors, Optional.empty(), size, token);
    }

    @Test
    void entriesMatching_needEveryRequiredFact_andTheirOtherSelectorsAmongTheOptional_inThatTrustDomainOnly() {
        Selector ns = KubernetesSelectors.namespace("matching");
        Selector sa = KubernetesSelectors.serviceAccount("api");
        RegistrationEntry byNamespace = create("spiffe://reg.test/ns/matching/any", PROD, ns);
        RegistrationEntry byBoth = create("spiffe://reg.test/ns/matching/sa/api", PROD, ns, sa);
        create("spiffe://reg.test/ns/matching/sa/other", PROD, ns, KubernetesSelectors.serviceAccount("other"));
        create("spiffe://reg.test/ns/matching/extra", PROD, ns, sa, new Selector("unix", "uid:0"));
        create("spiffe://reg.test/ns/matching/dev", DEV, ns, sa);
        create("spiffe://reg.test/ns/matching/token-only");
        create("spiffe://other.test/ns/matching/sa/api", PROD, ns, sa);

        assertThat(registry.entriesMatching(HOME, List.of(PROD, ns), List.of(sa), 10)).containsExactly(byNamespace, byBoth);
        assertThat(registry.entriesMatching(HOME, List.of(PROD, ns), List.of(KubernetesSelectors.serviceAccount("nobody")), 10))
                .containsExactly(byNamespace);
        assertThat(registry.entriesMatching(HOME, List.of(PROD, KubernetesSelectors.namespace("elsewhere")), List.of(sa), 10)).isEmpty();
        assertThat(registry.entriesMatching(HOME, List.of(KubernetesSelectors.cluster("staging"), ns), List.of(sa), 10)).isEmpty();
        assertThat(registry.entriesMatching(HOME, List.of(PROD, ns), List.of(sa), 1)).hasSize(1);
    }

    @Test
    void entriesStoredWithoutACluster_orWithAServiceAccountAlone_matchNothing() {
        Selector ns = KubernetesSelectors.namespace("legacy");
        Selector sa = KubernetesSelectors.serviceAccount("default");
        RegistryStore store = context.getBean(RegistryStore.class);
        for (List<Selector> selectors : List.of(List.of(ns, sa), List.of(sa), List.of(ns))) {
            store.insert(new RegistrationEntry(java.util.UUID.randomUUID().toString(), SpiffeId.parse("spiffe://reg.test/legacy/"
                    + selectors.size() + selectors.get(0).value().charAt(0)), selectors, Duration.ofHours(1), Duration.ofMinutes(5),
                    List.of(), false, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), "before-clusters"));
        }

        assertThat(registry.entriesMatching(HOME, List.of(PROD, ns), List.of(sa), 10)).isEmpty();
    }

    @Test
    void createEntry_withKubernetesSelectors_mustNameOneClusterAndOneNamespace() {
        Map<String, List<Selector>> refused = new java.util.LinkedHashMap<>();
        refused.put("0 Kubernetes clusters", List.of(KubernetesSelectors.namespace("shop"), KubernetesSelectors.serviceAccount("web")));
        refused.put("0 Kubernetes clusters ", List.of(KubernetesSelectors.serviceAccount("default")));
        refused.put("2 Kubernetes clusters", List.of(PROD, DEV, KubernetesSelectors.namespace("shop")));
        refused.put("0 namespaces", List.of(PROD, KubernetesSelectors.serviceAccount("default")));
        refused.put("0 namespaces ", List.of(PROD));
        refused.put("2 namespaces", List.of(PROD, KubernetesSelectors.namespace("a"), KubernetesSelectors.namespace("b")));
        refused.put("2 service accounts", List.of(PROD, KubernetesSelectors.namespace("a"), KubernetesSelectors.serviceAccount("x"),
                KubernetesSelectors.serviceAccount("y")));
        refused.put("unknown k8s selector", List.of(PROD, KubernetesSelectors.namespace("a"), new Selector("k8s", "pod:x")));
        refused.put("not a cluster name", List.of(new Selector("k8s", "cluster:Prod_EU"), KubernetesSelectors.namespace("a")));
        int before = registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries().size();

        refused.forEach((why, selectors) -> assertThatThrownBy(() -> create("spiffe://reg.test/ns/k8s/refused",
                selectors.toArray(Selector[]::new))).as(why).isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining(why.strip()).hasMessageContaining("expected: "));

        assertThat(registry.list(query(Optional.empty(), List.of(), 1000, Optional.empty())).entries()).hasSize(before);
        assertThat(create("spiffe://reg.test/ns/k8s/ok", DEV, KubernetesSelectors.namespace("a")).selectors()).contains(DEV);
    }

    @Test
    void createTrustDomain_once() {
        TrustDomain domain = TrustDomain.of("created.test");

        assertThat(registry.createTrustDomain(domain, "tenant", "spiffe://reg.test/meshid/admin", clock.instant())).isTrue();
        assertThat(registry.createTrustDomain(domain, "again", "spiffe://reg.test/meshid/admin", clock.instant())).isFalse();
        assertThat(registry.trustDomain(domain)).get().satisfies(d -> {
            assertThat(d.description()).isEqualTo("tenant");
            assertThat(d.createdBy()).isEqualTo("spiffe://reg.test/meshid/admin");
        });
        assertThat(registry.trustDomainExists(domain)).isTrue();
    }

    @Test
    void trustDomains_pageByName_andAreScopedToOneWhenAsked() {
        for (String name : java.util.List.of("pages-c.test", "pages-a.test", "pages-b.test")) {
            registry.createTrustDomain(TrustDomain.of(name), "", "test", clock.instant());
        }
        java.util.List<String> seen = new java.util.ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Registry.TrustDomainPage page = registry.trustDomains(Optional.empty(), 2, token);
            assertThat(page.trustDomains()).hasSizeLessThanOrEqualTo(2);
            page.trustDomains().forEach(d -> seen.add(d.name().name()));
            token = page.nextPageToken();
        } while (token.isPresent());
        assertThat(seen).containsSubsequence("pages-a.test", "pages-b.test", "pages-c.test").isSorted().doesNotHaveDuplicates();

        assertThat(registry.trustDomains(Optional.of(TrustDomain.of("pages-b.test")), 0, Optional.empty()).trustDomains())
                .extracting(d -> d.name().name()).containsExactly("pages-b.test");
        assertThat(registry.trustDomains(Optional.of(TrustDomain.of("absent.test")), 0, Optional.empty()).trustDomains()).isEmpty();
        assertThatThrownBy(() -> registry.trustDomains(Optional.empty(), 1001, Optional.empty()))
                .hasMessageStartingWith("page_size: 1001");
        assertThatThrownBy(() -> registry.trustDomains(Optional.empty(), 0, Optional.of("not-a-token")))
                .hasMessageStartingWith("page_token: ");
    }
}
