package io.meshid.sidecar.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.sidecar.config.PolicyConfig;
import io.meshid.sidecar.testing.FakePolicyServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decision cache and its failure modes, against a real gRPC PolicyService over mutual TLS. */
class PolicyDeciderTest {

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource sidecar = new StaticSvidSource(pki.svid("/ns/demo/sa/b"), pki.bundle());
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final CheckInput input = new CheckInput(SpiffeId.parse("spiffe://example.org/ns/demo/sa/a"), "GET",
            SpiffeId.parse("spiffe://example.org/ns/demo/sa/b"), "/x", Map.of(), "127.0.0.1");
    private FakePolicyServer server;
    private PolicyDecider decider;

    @BeforeEach
    void start() throws Exception {
        server = new FakePolicyServer(new StaticSvidSource(pki.svid("/meshid/policy-server"), pki.bundle()));
        server.activate(r -> true);
    }

    @AfterEach
    void stop() {
        if (decider != null) {
            decider.close();
        }
        server.close();
    }

    private PolicyDecider decider(Duration staleIfError) throws InterruptedException {
        decider = new PolicyDecider(PolicyConfig.of("127.0.0.1", server.port()).withCheckTimeout(Duration.ofSeconds(10))
                .withStaleIfError(staleIfError), sidecar, clock);
        for (int i = 0; i < 1000 && server.watchers() == 0; i++) {
            Thread.sleep(10);
        }
        return decider;
    }

    private boolean allowed() {
        return decider.decide(input, "req-1").toCompletableFuture().join().allowed();
    }

    @Test
    void decisionIsCachedForTheServersTtl_thenAskedAgain() throws Exception {
        server.ttlSeconds(30);
        decider(Duration.ZERO);
        awaitWatch();
        assertThat(allowed()).isTrue();
        assertThat(allowed()).isTrue();
        assertThat(server.checks()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(allowed()).isTrue();
        assertThat(server.checks()).isEqualTo(2);
    }

    @Test
    void zeroTtl_isNeverCached() throws Exception {
        server.ttlSeconds(0);
        decider(Duration.ZERO);
        awaitWatch();
        allowed();
        allowed();
        assertThat(server.checks()).isEqualTo(2);
        assertThat(decider.cachedDecisions()).isZero();
    }

    @Test
    void newPolicyVersion_emptiesTheCache() throws Exception {
        decider(Duration.ZERO);
        awaitWatch();
        assertThat(allowed()).isTrue();
        server.activate(r -> false);
        boolean stillAllowed = true;
        for (int i = 0; i < 1000 && stillAllowed; i++) {
            stillAllowed = allowed();
            if (stillAllowed) {
                Thread.sleep(5);
            }
        }
        assertThat(stillAllowed).isFalse();
    }

    @Test
    void policyServerFailing_meansDeny_whenNothingIsCached() throws Exception {
        decider(Duration.ZERO);
        server.failChecksWith(Status.UNAVAILABLE);
        Verdict verdict = decider.decide(input, "req-2").toCompletableFuture().join();
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.reason()).contains("UNAVAILABLE");
    }

    @Test
    void policyServerGone_meansDeny() throws Exception {
        decider(Duration.ZERO);
        server.stop();
        assertThat(allowed()).isFalse();
    }

    @Test
    void expiredCachedAllow_isNotUsedOnError_withoutStaleGrace() throws Exception {
        server.ttlSeconds(1);
        decider(Duration.ZERO);
        awaitWatch();
        assertThat(allowed()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        server.failChecksWith(Status.UNAVAILABLE);
        assertThat(allowed()).isFalse();
    }

    @Test
    void staleIfErrorGrace_servesAnExpiredDecisionWithinTheGraceOnly() throws Exception {
        server.ttlSeconds(1);
        decider(Duration.ofSeconds(30));
        awaitWatch();
        assertThat(allowed()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        server.failChecksWith(Status.UNAVAILABLE);
        assertThat(allowed()).as("within the grace").isTrue();
        clock.advance(Duration.ofSeconds(30));
        assertThat(allowed()).as("past the grace").isFalse();
    }

    @Test
    void staleGrace_isBounded() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyConfig.of("h", 1).withStaleIfError(Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy.stale_if_error");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyConfig.of("h", 1)
                .withContextHeaders(java.util.List.of("Authorization")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials");
    }

    private void awaitWatch() throws InterruptedException {
        for (int i = 0; i < 1000 && !decider.watching(); i++) {
            Thread.sleep(10);
        }
    }
}
