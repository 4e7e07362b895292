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

    abstract TestDatabase newDatabase();

    @BeforeAll
    void start() {
        database = newDatabase();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", HOME.name());
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
        RegistrationEntry e = create("spiffe://reg.test/ns/a/sa/one", new Selector("k8s", "ns:a"), new Selector("k8s", "sa:one"));

        assertThat(e.x509SvidTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(e.jwtSvidTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(registry.entry(HOME, e.id())).contains(e);
        assertThat(registry.entry(OTHER, e.id())).isEmpty();
        assertThat(registry.deleteEntry(OTHER, e.id())).isFalse();
        assertThat(registry.entry(HOME, e.id())).isPresent();
    }

    @Test
    void createEntry_sameIdAndSelectors_isAlreadyExists_otherSelectorsAreFine() {
        create("spiffe://reg.test/ns/dup/sa/x", new Selector("k8s", "ns:dup"));

        assertThatThrownBy(() -> create("spiffe://reg.test/ns/dup/sa/x", new Selector("k8s", "ns:dup")))
                .isInstanceOf(MeshidException.AlreadyExists.class);
        assertThat(create("spiffe://reg.test/ns/dup/sa/x", new Selector("k8s", "ns:dup2")).id()).isNotBlank();
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
            create("spiffe://reg.test/ns/list/sa/w" + i, new Selector("k8s", "ns:list"), new Selector("k8s", "sa:w" + i));
        }
        create("spiffe://reg.test/ns/other/sa/w", new Selector("k8s", "ns:other"));

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
    void entriesMatching_areThoseWhoseSelectorsAreAllAmongTheFacts_inThatTrustDomainOnly() {
        Selector ns = new Selector("k8s", "ns:matching");
        Selector sa = new Selector("k8s", "sa:api");
        RegistrationEntry byNamespace = create("spiffe://reg.test/ns/matching/any", ns);
        RegistrationEntry byBoth = create("spiffe://reg.test/ns/matching/sa/api", ns, sa);
        create("spiffe://reg.test/ns/matching/sa/other", ns, new Selector("k8s", "sa:other"));
        create("spiffe://reg.test/ns/matching/extra", ns, sa, new Selector("unix", "uid:0"));
        create("spiffe://reg.test/ns/matching/token-only");
        create("spiffe://other.test/ns/matching/sa/api", ns, sa);

        assertThat(registry.entriesMatching(HOME, List.of(ns, sa), 10)).containsExactly(byNamespace, byBoth);
        assertThat(registry.entriesMatching(HOME, List.of(ns, new Selector("k8s", "sa:nobody")), 10)).containsExactly(byNamespace);
        assertThat(registry.entriesMatching(HOME, List.of(new Selector("k8s", "ns:elsewhere"), sa), 10)).isEmpty();
        assertThat(registry.entriesMatching(HOME, List.of(ns, sa), 1)).hasSize(1);
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
}
