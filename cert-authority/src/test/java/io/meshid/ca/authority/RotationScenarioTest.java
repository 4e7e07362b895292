package io.meshid.ca.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.meshid.ca.bundle.BundleHub;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.issuance.IssuedX509Svid;
import io.meshid.ca.issuance.WorkloadCa;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.SvidVerifier;
import io.micronaut.context.ApplicationContext;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Drives the CA's clock through several root and intermediate rotations and checks, at every
 * step, what a relying party sees: every leaf issued at any moment verifies against the bundle
 * held by a client that follows the bundle stream, for as long as the leaf lives; no leaf outlives
 * its issuer; and no authority signs before it was in the bundle.
 */
class RotationScenarioTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("rotation.test");
    private static final Duration STEP = Duration.ofMinutes(10);

    private record Issued(IssuedX509Svid svid, Instant at) {
    }

    /**
     * A CA (no network server) on H2 whose clock the test moves: 1-hour leaves, 30-minute publish
     * lead, 6-hour intermediates, 24-hour roots; the scheduled check is pushed out of the way.
     */
    private static ApplicationContext startCa(Clock clock) {
        Map<String, Object> properties = new HashMap<>(TestDatabase.h2().properties("common", "cert-authority"));
        properties.put("meshid.trust-domain", DOMAIN.name());
        properties.put("meshid.ca.key-encryption-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        properties.put("meshid.ca.bundle-endpoint.enabled", false);
        properties.put("meshid.ca.default-svid-ttl", "PT1H");
        properties.put("meshid.ca.max-svid-ttl", "PT1H");
        properties.put("meshid.ca.publish-lead", "PT30M");
        properties.put("meshid.ca.intermediate-ttl", "PT6H");
        properties.put("meshid.ca.root-ttl", "PT24H");
        properties.put("meshid.ca.rotation-check-interval", "PT1H");
        ApplicationContext context = ApplicationContext.builder().properties(properties).build();
        context.registerSingleton(Clock.class, clock);
        return context.start();
    }

    @Test
    void leavesIssuedAcrossTwoRootAndManyIntermediateRotations_alwaysVerify_andNeverOutliveTheirIssuer() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        try (ApplicationContext context = startCa(clock)) {
            AuthorityManager authorities = context.getBean(AuthorityManager.class);
            WorkloadCa ca = context.getBean(WorkloadCa.class);
            authorities.ensure(DOMAIN);

            AtomicReference<TrustBundle> clientBundle = new AtomicReference<>();
            List<Long> sequences = new ArrayList<>();
            context.getBean(BundleHub.class).subscribe(DOMAIN, b -> {
                clientBundle.set(b);
                sequences.add(b.sequence());
            });

            SvidVerifier verifier = new SvidVerifier();
            List<Issued> live = new ArrayList<>();
            Set<String> roots = new HashSet<>();
            Set<String> intermediates = new HashSet<>();
            Map<String, Instant> firstInBundle = new HashMap<>();
            SpiffeId workload = SpiffeId.parse("spiffe://rotation.test/ns/default/sa/app");

            for (int step = 0; step < 3 * 24 * 6; step++) {
                authorities.tickAll();
                Instant now = clock.instant();
                TrustBundle bundle = clientBundle.get();
                bundle.authorities().forEach(c -> firstInBundle.putIfAbsent(c.getSubjectX500Principal().getName(), now));
                authorities.authorities(DOMAIN).forEach(a -> (a.level() == Authority.Level.ROOT ? roots : intermediates).add(a.id()));

                IssuedX509Svid svid = ca.signX509Svid(new X509SvidParams(Csrs.of(Csrs.ec("secp256r1")), workload,
                        Optional.empty(), List.of(), "", "test"));
                X509Certificate leaf = svid.chain().get(0);
                X509Certificate issuer = svid.chain().get(1);
                assertThat(leaf.getNotAfter()).as("leaf outlives its issuer at %s", now).isBeforeOrEqualTo(issuer.getNotAfter());
                Instant published = firstInBundle.get(issuer.getSubjectX500Principal().getName());
                assertThat(published).as("issuer of a leaf at %s was never in the client's bundle", now).isNotNull();
                live.add(new Issued(svid, now));

                live.removeIf(i -> !now.isBefore(i.svid().notAfter()));
                for (Issued i : live) {
                    assertThatCode(() -> verifier.verify(i.svid().chain(), LocalSvidIssuer.toX509Bundle(bundle), now))
                            .as("leaf issued at %s, checked at %s with bundle %d", i.at(), now, bundle.sequence())
                            .doesNotThrowAnyException();
                }
                clock.advance(STEP);
            }

            assertThat(roots).as("roots seen").hasSizeGreaterThanOrEqualTo(3);
            assertThat(intermediates).as("intermediates seen").hasSizeGreaterThanOrEqualTo(10);
            assertThat(sequences).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void newIntermediate_isInTheBundleForThePublishLead_beforeItSigns() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        try (ApplicationContext context = startCa(clock)) {
            AuthorityManager authorities = context.getBean(AuthorityManager.class);
            authorities.ensure(DOMAIN);
            String first = authorities.signer(DOMAIN).id();

            clock.advance(Duration.ofHours(4).plusMinutes(31));
            authorities.tickAll();
            List<Authority> prepared = authorities.authorities(DOMAIN).stream()
                    .filter(a -> a.state() == Authority.State.PREPARED).toList();
            assertThat(prepared).singleElement().satisfies(a -> assertThat(a.level()).isEqualTo(Authority.Level.INTERMEDIATE));
            assertThat(authorities.bundle(DOMAIN).authorities()).contains(prepared.get(0).certificate());
            assertThat(authorities.signer(DOMAIN).id()).isEqualTo(first);

            clock.advance(Duration.ofMinutes(30));
            authorities.tickAll();
            assertThat(authorities.signer(DOMAIN).id()).isEqualTo(prepared.get(0).id());
            assertThat(authorities.bundle(DOMAIN).authorities()).extracting(X509Certificate::getSubjectX500Principal)
                    .hasSize(3);
        }
    }
}
