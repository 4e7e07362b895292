package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshid.common.errors.ErrorMappingInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.tls.TestCallers;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.decision.Decisions;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.testing.FakeActivePolicies;
import io.meshid.policy.testing.RecordingDecisionLog;
import io.meshid.policy.testing.StarterPolicies;
import io.meshid.policy.validation.PolicySetValidator;
import io.meshid.policy.validation.ValidationReport;
import io.meshid.proto.policy.v1.BatchCheckRequest;
import io.meshid.proto.policy.v1.BatchCheckResult;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.RequestContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the schema and the SPIFFE IDs imply reaches the decision, through each door (Check,
 * BatchCheck and Envoy's Check) on a version compiled as the store compiles it: a forbid on an
 * action group fires for the group's members, and {@code in Namespace}/{@code in TrustDomain}
 * follow the ID's hierarchy. A policy that validates against the starter schema is never
 * silently dead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HierarchyDecisionsTest {

    static final String LEDGER = "spiffe://meshid.local/ns/payments/sa/ledger";
    static final String API = "spiffe://meshid.local/ns/payments/sa/api";
    static final String CHECKOUT = "spiffe://meshid.local/ns/shop/sa/checkout";
    static final String OTHER_SHOP = "spiffe://other.test/ns/shop/sa/checkout";
    static final String POLICIES = """
            @id("all-of-the-domain")
            permit (principal in TrustDomain::"spiffe://meshid.local", action, resource in TrustDomain::"spiffe://meshid.local");

            @id("ledger-open")
            permit (principal, action, resource == Service::"spiffe://meshid.local/ns/payments/sa/ledger");

            @id("ledger-read-only")
            forbid (principal, action in Action::"write", resource == Service::"spiffe://meshid.local/ns/payments/sa/ledger");

            @id("shop-may-call-payments")
            permit (principal in Namespace::"spiffe://meshid.local/ns/shop", action,
                    resource in Namespace::"spiffe://meshid.local/ns/payments");

            @id("shop-reads-nothing-of-ops")
            forbid (principal in Namespace::"spiffe://meshid.local/ns/shop", action in Action::"read",
                    resource in Namespace::"spiffe://meshid.local/ns/ops");
            """;

    private final FakeActivePolicies active = new FakeActivePolicies();
    private final RecordingDecisionLog log = new RecordingDecisionLog();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private DecisionService decisions;
    private PolicyConfig config;

    static PolicySetSource source(String policies) {
        return new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR,
                StarterPolicies.text(StarterPolicies.STARTER, "schema.cedarschema"), policies, List.of(), List.of());
    }

    @BeforeAll
    void start() {
        PolicySetSource source = source(POLICIES);
        ValidationReport report = PolicySetValidator.validate(source);
        assertThat(report.errors()).isEmpty();
        active.activate(TrustDomain.of("meshid.local"), 1, PolicySetValidator.compile(source));
        config = new PolicyConfig();
        decisions = Decisions.service(active, config, log, new SimpleMeterRegistry(), MutableClock.at(Instant.parse("2026-12-01T00:00:00Z")));
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }

    private ManagedChannel channel(String caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new PolicyServiceEndpoint(decisions, config, null), new ErrorMappingInterceptor(),
                        PolicyServiceEndpointTest.authorization(), TestCallers.as(SpiffeId.parse(caller))))
                .addService(ServerInterceptors.intercept(new EnvoyAuthorizationEndpoint(decisions, config), new ErrorMappingInterceptor(),
                        PolicyServiceEndpointTest.authorization(), TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return channel;
    }

    private Decision check(String principal, String action, String resource) throws Exception {
        return PolicyServiceGrpc.newBlockingStub(channel(resource))
                .check(PolicyServiceEndpointTest.check(principal, action, resource).build()).getDecision();
    }

    private List<Decision> batch(String resource, String... principalAndAction) throws Exception {
        BatchCheckRequest.Builder batch = BatchCheckRequest.newBuilder();
        for (int i = 0; i < principalAndAction.length; i += 2) {
            batch.addChecks(PolicyServiceEndpointTest.check(principalAndAction[i], principalAndAction[i + 1], resource));
        }
        return PolicyServiceGrpc.newBlockingStub(channel(resource)).batchCheck(batch.build()).getResultsList().stream()
                .map(r -> r.getResponse().getDecision()).toList();
    }

    private int envoy(String principal, String method, String resource) throws Exception {
        return AuthorizationGrpc.newBlockingStub(channel(resource))
                .check(EnvoyAuthorizationEndpointTest.envoy(principal, resource, method, "/", Map.of())).getStatus().getCode();
    }

    @Test
    void forbidOnAnActionGroup_firesForItsMembers_throughEveryDoor() throws Exception {
        assertThat(check(CHECKOUT, "DELETE", LEDGER)).isEqualTo(Decision.DECISION_DENY);
        assertThat(check(CHECKOUT, "GET", LEDGER)).isEqualTo(Decision.DECISION_ALLOW);
        assertThat(batch(LEDGER, CHECKOUT, "POST", CHECKOUT, "HEAD", CHECKOUT, "PATCH"))
                .containsExactly(Decision.DECISION_DENY, Decision.DECISION_ALLOW, Decision.DECISION_DENY);
        assertThat(envoy(CHECKOUT, "OPTIONS", LEDGER)).isEqualTo(Code.OK_VALUE);
        assertThat(envoy(OTHER_SHOP, "PUT", LEDGER)).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(log.records.getLast().determiningPolicies()).containsExactly("ledger-read-only");
    }

    @Test
    void namespaceAndTrustDomain_followTheSpiffeId_throughEveryDoor() throws Exception {
        assertThat(check(OTHER_SHOP, "GET", API)).isEqualTo(Decision.DECISION_DENY);
        assertThat(check(CHECKOUT, "/payments.v1.Payments/Charge", API)).isEqualTo(Decision.DECISION_ALLOW);
        assertThat(batch(API, OTHER_SHOP, "/payments.v1.Payments/Charge", CHECKOUT, "/payments.v1.Payments/Refund"))
                .containsExactly(Decision.DECISION_DENY, Decision.DECISION_ALLOW);
        assertThat(envoy(OTHER_SHOP, "GET", API)).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(envoy(CHECKOUT, "GET", "spiffe://meshid.local/ns/ops/sa/grafana")).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(envoy(CHECKOUT, "POST", "spiffe://meshid.local/ns/ops/sa/grafana")).isEqualTo(Code.OK_VALUE);
    }

    @Test
    void reservedEscapeInAttributes_isRefusedAtTheDoor() throws Exception {
        Struct expr = Struct.newBuilder().putFields("tenant", Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("__expr", Value.newBuilder().setStringValue("true").build())).build()).build();
        CheckRequest request = PolicyServiceEndpointTest.check(CHECKOUT, "GET", API)
                .setContext(RequestContext.newBuilder().setAttributes(expr)).build();

        assertThatThrownBy(() -> PolicyServiceGrpc.newBlockingStub(channel(API)).check(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("__expr");
                });
        for (String key : List.of("__entity", "__extn")) {
            Struct escape = Struct.newBuilder().putFields(key, Value.newBuilder().setStringValue("x").build()).build();
            List<BatchCheckResult> results = PolicyServiceGrpc.newBlockingStub(channel(API)).batchCheck(BatchCheckRequest.newBuilder()
                    .addChecks(PolicyServiceEndpointTest.check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder().setAttributes(escape)))
                    .build()).getResultsList();
            assertThat(results.get(0).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
            assertThat(results.get(0).getError().getMessage()).contains(key);
        }
    }
}
