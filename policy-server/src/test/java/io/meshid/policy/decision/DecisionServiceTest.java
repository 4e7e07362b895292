package io.meshid.policy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.decisionlog.DecisionRecord;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.FakeActivePolicies;
import io.meshid.policy.testing.RecordingDecisionLog;
import io.meshid.policy.testing.Requests;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decision path's cache, shadow evaluation and decision-log records, on small policy sets
 * whose answers change with the version, so that a stale cached answer would show.
 */
class DecisionServiceTest {

    static final TrustDomain TD = TrustDomain.of("cache.test");
    static final String CLIENT = "spiffe://cache.test/ns/a/sa/client";
    static final String SERVER = "spiffe://cache.test/ns/b/sa/server";
    static final SpiffeId SERVER_ID = SpiffeId.parse(SERVER);

    static final CompiledPolicySet PERMIT_GET = CompiledPolicySet.compile(Map.of("get", """
            permit(principal, action == Action::"GET", resource);"""), Map.of(), List.of());
    static final CompiledPolicySet FORBID_ALL = CompiledPolicySet.compile(Map.of("none", """
            forbid(principal, action, resource);"""), Map.of(), List.of());
    static final CompiledPolicySet BY_PATH = CompiledPolicySet.compile(Map.of("path", """
            permit(principal, action, resource) when { context.path == "/open" };"""), Map.of(), List.of());
    static final CompiledPolicySet BY_TIME = CompiledPolicySet.compile(Map.of("before-2030", """
            permit(principal, action, resource) when { context.time < 1893456000 };"""), Map.of(), List.of());

    private final FakeActivePolicies active = new FakeActivePolicies();
    private final RecordingDecisionLog log = new RecordingDecisionLog();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
    private DefaultDecisionService decisions;

    @BeforeEach
    void start() {
        decisions = service(new PolicyConfig());
    }

    private DefaultDecisionService service(PolicyConfig config) {
        return new DefaultDecisionService(active, new MeshidConfig(), config, log, meters, clock);
    }

    private double counter(String name, String tag, String value) {
        var counter = meters.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    private static MeshRequest at(String path) {
        return Requests.request(CLIENT, "GET", SERVER, path, Map.of(), "", Map.of());
    }

    @Test
    void repeatedCheck_isAnsweredFromTheCache_andANewVersionEmptiesIt() {
        active.activate(TD, 1, PERMIT_GET);
        assertThat(decisions.check(SERVER_ID, at("/")).allowed()).isTrue();
        assertThat(decisions.check(SERVER_ID, at("/")).allowed()).isTrue();
        assertThat(counter("meshid.policy.decision_cache", "result", "hit")).isEqualTo(1);
        assertThat(active.watchers()).isEqualTo(1);

        active.activate(TD, 2, FORBID_ALL);

        assertThat(decisions.cacheSize()).isZero();
        CheckOutcome after = decisions.check(SERVER_ID, at("/"));
        assertThat(after.allowed()).isFalse();
        assertThat(after.policyVersion()).isEqualTo(2);
        assertThat(after.determiningPolicies()).containsExactly("none");
    }

    @Test
    void contextFieldsThePoliciesDoNotRead_shareOneEntry_thoseTheyReadDoNot() {
        active.activate(TD, 1, PERMIT_GET);
        decisions.check(SERVER_ID, at("/a"));
        decisions.check(SERVER_ID, at("/b"));
        assertThat(counter("meshid.policy.decision_cache", "result", "hit")).isEqualTo(1);

        active.activate(TD, 2, BY_PATH);
        assertThat(decisions.check(SERVER_ID, at("/open")).allowed()).isTrue();
        assertThat(decisions.check(SERVER_ID, at("/closed")).allowed()).isFalse();
        assertThat(decisions.check(SERVER_ID, at("/open")).allowed()).isTrue();
        assertThat(counter("meshid.policy.decision_cache", "result", "hit")).isEqualTo(2);
    }

    @Test
    void cachedDecision_expiresAfterItsTtl() {
        active.activate(TD, 1, PERMIT_GET);
        decisions.check(SERVER_ID, at("/"));
        clock.advance(Duration.ofSeconds(31));
        decisions.check(SERVER_ID, at("/"));

        assertThat(counter("meshid.policy.decision_cache", "result", "hit")).isZero();
        assertThat(counter("meshid.policy.decision_cache", "result", "miss")).isEqualTo(2);
    }

    @Test
    void cacheSizeZero_turnsTheCacheOff() {
        PolicyConfig off = new PolicyConfig();
        off.setDecisionCacheSize(0);
        DefaultDecisionService uncached = service(off);
        active.activate(TD, 1, PERMIT_GET);

        uncached.check(SERVER_ID, at("/"));
        uncached.check(SERVER_ID, at("/"));

        assertThat(counter("meshid.policy.decision_cache", "result", "hit")).isZero();
        assertThat(active.watchers()).isZero();
    }

    @Test
    void cacheTtl_isTheConfiguredOne_andZeroWhenThePoliciesReadTheTime() {
        active.activate(TD, 1, PERMIT_GET);
        assertThat(decisions.check(SERVER_ID, at("/")).cacheTtl()).isEqualTo(Duration.ofSeconds(30));

        active.activate(TD, 2, BY_TIME);
        CheckOutcome outcome = decisions.check(SERVER_ID, at("/"));
        assertThat(outcome.allowed()).isTrue();
        assertThat(outcome.cacheTtl()).isZero();
    }

    @Test
    void requestTime_isTheContextTime_elseTheServersClock() {
        active.activate(TD, 1, BY_TIME);
        MeshRequest late = new MeshRequest(SpiffeId.parse(CLIENT), "GET", SERVER_ID, "/", Map.of(), "",
                Instant.parse("2031-01-01T00:00:00Z"), Map.of(), "");

        assertThat(decisions.check(SERVER_ID, late).allowed()).isFalse();
        assertThat(decisions.check(SERVER_ID, at("/")).allowed()).isTrue();
        clock.set(Instant.parse("2030-06-01T00:00:00Z"));
        assertThat(decisions.check(SERVER_ID, at("/")).allowed()).isFalse();
    }

    @Test
    void shadowVersion_isEvaluatedNeverEnforced_andDisagreementsAreRecorded() {
        active.activate(TD, 1, PERMIT_GET);
        active.shadow(TD, 2, FORBID_ALL);

        CheckOutcome outcome = decisions.check(SERVER_ID, at("/"));

        assertThat(outcome.allowed()).isTrue();
        assertThat(outcome.policyVersion()).isEqualTo(1);
        DecisionRecord record = log.records.getLast();
        assertThat(record.shadowVersion()).isEqualTo(2);
        assertThat(record.shadowAllowed()).isFalse();
        assertThat(record.shadowDisagrees()).isTrue();
    }

    @Test
    void decisionRecord_summarizesTheRequest_withoutHeadersOrAttributes() {
        active.activate(TD, 1, FORBID_ALL);
        MeshRequest request = Requests.request(CLIENT, "GET", SERVER, "/x", Map.of("content-type", "text/secret-type"), "10.1.1.1",
                Map.of("token", "attribute-secret"));

        decisions.check(SpiffeId.parse("spiffe://cache.test/meshid/admin"), request);

        DecisionRecord record = log.records.getLast();
        assertThat(record.allowed()).isFalse();
        assertThat(record.caller()).isEqualTo("spiffe://cache.test/meshid/admin");
        assertThat(record.principal()).isEqualTo(CLIENT);
        assertThat(record.resource()).isEqualTo(SERVER);
        assertThat(record.determiningPolicies()).containsExactly("none");
        assertThat(record.version()).isEqualTo(1);
        assertThat(record.latencyMicros()).isNotNegative();
        assertThat(record.toString()).doesNotContain("secret");
    }
}
