package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
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
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.decision.DecisionService;
import io.meshid.policy.decision.Decisions;
import io.meshid.policy.testing.FakeActivePolicies;
import io.meshid.policy.testing.RecordingDecisionLog;
import io.meshid.policy.testing.StarterPolicies;
import io.meshid.proto.policy.v1.BatchCheckRequest;
import io.meshid.proto.policy.v1.BatchCheckResult;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc.PolicyServiceBlockingStub;
import io.meshid.proto.policy.v1.RequestContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PolicyService Check and BatchCheck over the in-process transport with the real decision path on
 * the starter policies: who may ask, what comes back, and a clear status for each kind of bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyServiceEndpointTest {

    static final String API = "spiffe://meshid.local/ns/payments/sa/api";
    static final String CHECKOUT = "spiffe://meshid.local/ns/shop/sa/checkout";
    static final String ADMIN = "spiffe://meshid.local/meshid/admin";
    static final String CHARGE = "/payments.v1.Payments/Charge";

    private final FakeActivePolicies active = new FakeActivePolicies();
    private final RecordingDecisionLog log = new RecordingDecisionLog();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private DecisionService decisions;

    @BeforeAll
    void start() throws Exception {
        active.activate(TrustDomain.of("meshid.local"), 3, StarterPolicies.compile(StarterPolicies.STARTER));
        PolicyConfig config = new PolicyConfig();
        config.setContextHeaders(List.of("content-type", "x-tenant"));
        decisions = Decisions.service(active, config, log, new SimpleMeterRegistry(), MutableClock.at(Instant.parse("2026-12-01T00:00:00Z")));
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }

    /** The server's own authorization table and interceptor, as the real server applies them. */
    static io.grpc.ServerInterceptor authorization() {
        return io.meshid.common.authz.AuthorizationInterceptor.of(new PolicyAuthorization().table(),
                new io.meshid.common.authz.Admins(new io.meshid.common.server.MeshidConfig()), null,
                new io.meshid.common.audit.RecordingAuditLog(), java.time.Clock.systemUTC());
    }

    private PolicyServiceBlockingStub as(String caller) throws Exception {
        PolicyConfig config = new PolicyConfig();
        config.setContextHeaders(List.of("content-type", "x-tenant"));
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new PolicyServiceEndpoint(decisions, config, null), new ErrorMappingInterceptor(), authorization(),
                        TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return PolicyServiceGrpc.newBlockingStub(channel);
    }

    private PolicyServiceBlockingStub anonymous() throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new PolicyServiceEndpoint(decisions, new PolicyConfig(), null), new ErrorMappingInterceptor(), authorization()))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return PolicyServiceGrpc.newBlockingStub(channel);
    }

    static CheckRequest.Builder check(String principal, String action, String resource) {
        return CheckRequest.newBuilder().setPrincipal(principal).setAction(action).setResource(resource);
    }

    private static Status status(Throwable e) {
        return ((StatusRuntimeException) e).getStatus();
    }

    @Test
    void resourceAsksAboutItself_getsTheDecisionWithVersionAndCacheTtl() throws Exception {
        CheckResponse allow = as(API).check(check(CHECKOUT, CHARGE, API).build());
        CheckResponse deny = as(API).check(check(CHECKOUT, "DELETE", API).build());

        assertThat(allow.getDecision()).isEqualTo(Decision.DECISION_ALLOW);
        assertThat(allow.getDeterminingPolicyIdsList()).containsExactly("checkout-charges-payments");
        assertThat(allow.getPolicyVersion()).isEqualTo(3);
        assertThat(allow.getCacheTtl().getSeconds()).isEqualTo(30);
        assertThat(deny.getDecision()).isEqualTo(Decision.DECISION_DENY);
        assertThat(deny.getDeterminingPolicyIdsList()).isEmpty();
    }

    @Test
    void evaluationError_isADenyCarryingTheError_evenWhenAPermitApplies() throws Exception {
        String service = "spiffe://errors.test/ns/a/sa/service";
        active.activate(TrustDomain.of("errors.test"), 1, CompiledPolicySet.compile(Map.of(
                "everyone", "permit(principal, action, resource);",
                "overflow", "forbid(principal, action, resource) when { context.time + 9223372036854775807 < 0 };"),
                Map.of(), List.of()));

        CheckResponse reply = as(service).check(check("spiffe://errors.test/ns/a/sa/client", "GET", service).build());

        assertThat(reply.getDecision()).isEqualTo(Decision.DECISION_DENY);
        assertThat(reply.getDeterminingPolicyIdsList()).isEmpty();
        assertThat(reply.getErrorsList()).hasSize(1);
        assertThat(reply.getErrors(0).getPolicyId()).isEqualTo("overflow");
        assertThat(reply.getErrors(0).getMessage()).containsIgnoringCase("overflow");
    }

    @Test
    void trustDomainWithoutPolicies_deniesWithVersionZero() throws Exception {
        String other = "spiffe://empty.test/ns/a/sa/b";
        CheckResponse reply = as(other).check(check("spiffe://empty.test/ns/a/sa/c", "GET", other).build());

        assertThat(reply.getDecision()).isEqualTo(Decision.DECISION_DENY);
        assertThat(reply.getPolicyVersion()).isZero();
        assertThat(reply.getCacheTtl().getSeconds()).isZero();
    }

    @Test
    void anotherWorkload_orAnAdminOfAnotherDomain_isPermissionDenied() throws Exception {
        assertThatThrownBy(() -> as(CHECKOUT).check(check(CHECKOUT, CHARGE, API).build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .satisfies(e -> assertThat(status(e).getDescription()).contains(CHECKOUT).contains(API));
        assertThatThrownBy(() -> as("spiffe://other.test/meshid/admin").check(check(CHECKOUT, CHARGE, API).build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(as(ADMIN).check(check(CHECKOUT, CHARGE, API).build()).getDecision()).isEqualTo(Decision.DECISION_ALLOW);
    }

    @Test
    void noCallerIdentity_isUnauthenticated() throws Exception {
        assertThatThrownBy(() -> anonymous().check(check(CHECKOUT, CHARGE, API).build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void storeNotReadable_isUnavailable() throws Exception {
        active.unavailable(true);
        try {
            assertThatThrownBy(() -> as(API).check(check(CHECKOUT, CHARGE, API).build()))
                    .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            active.unavailable(false);
        }
    }

    static Struct nested(int levels) {
        Struct struct = Struct.newBuilder().putFields("leaf", Value.newBuilder().setStringValue("x").build()).build();
        for (int i = 1; i < levels; i++) {
            struct = Struct.newBuilder().putFields("n", Value.newBuilder().setStructValue(struct).build()).build();
        }
        return struct;
    }

    static Stream<Arguments> badChecks() {
        String big = "x".repeat(4097);
        RequestContext.Builder manyHeaders = RequestContext.newBuilder();
        for (int i = 0; i < 33; i++) {
            manyHeaders.putHeaders("h" + i, "v");
        }
        Struct large = Struct.newBuilder().putFields("blob", Value.newBuilder().setStringValue("y".repeat(17 * 1024)).build()).build();
        return Stream.of(
                Arguments.of("missing principal", check("", "GET", API), "principal: empty"),
                Arguments.of("malformed principal", check("spiffe://meshid.local/ns//sa/x", "GET", API), "principal: SPIFFE ID path"),
                Arguments.of("principal with another scheme", check("https://meshid.local/x", "GET", API), "principal: SPIFFE ID"),
                Arguments.of("principal with uppercase trust domain", check("spiffe://MESHID.local/x", "GET", API), "principal"),
                Arguments.of("missing resource", check(CHECKOUT, "GET", ""), "resource: empty"),
                Arguments.of("malformed resource", check(CHECKOUT, "GET", "spiffe://meshid.local/a?b"), "resource: SPIFFE ID"),
                Arguments.of("empty action", check(CHECKOUT, "", API), "action: empty"),
                Arguments.of("action over 256 characters", check(CHECKOUT, "/" + "a".repeat(256), API), "action: 257 characters"),
                Arguments.of("path over 4096 bytes", check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder().setPath(big)),
                        "context.path: 4097 bytes"),
                Arguments.of("33 headers", check(CHECKOUT, "GET", API).setContext(manyHeaders), "context.headers: 33 entries"),
                Arguments.of("header value over 4096 bytes", check(CHECKOUT, "GET", API)
                        .setContext(RequestContext.newBuilder().putHeaders("x-tenant", big)), "context.headers[x-tenant]: 4097 bytes"),
                Arguments.of("header name over 128 bytes", check(CHECKOUT, "GET", API)
                        .setContext(RequestContext.newBuilder().putHeaders("h".repeat(129), "v")), "a name of 129 bytes"),
                Arguments.of("attributes over 16 KiB", check(CHECKOUT, "GET", API)
                        .setContext(RequestContext.newBuilder().setAttributes(large)), "bytes serialized (expected: at most 16384)"),
                Arguments.of("attributes 9 levels deep", check(CHECKOUT, "GET", API)
                        .setContext(RequestContext.newBuilder().setAttributes(nested(9))), "nested 9 levels deep"),
                Arguments.of("a float in the attributes", check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder()
                        .setAttributes(Struct.newBuilder().putFields("ratio", Value.newBuilder().setNumberValue(0.5).build()))),
                        "context.attributes.ratio: 0.5 (expected: an integer"),
                Arguments.of("a float in a list", check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder()
                        .setAttributes(Struct.newBuilder().putFields("l", Value.newBuilder().setListValue(ListValue.newBuilder()
                                .addValues(Value.newBuilder().setNumberValue(1)).addValues(Value.newBuilder().setNumberValue(2.25))).build()))),
                        "context.attributes.l[1]: 2.25"),
                Arguments.of("a huge number", check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder()
                        .setAttributes(Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(1e300).build()))),
                        "within ±2^53"),
                Arguments.of("a null attribute", check(CHECKOUT, "GET", API).setContext(RequestContext.newBuilder()
                        .setAttributes(Struct.newBuilder().putFields("n", Value.newBuilder().setNullValueValue(0).build()))),
                        "context.attributes.n: null"),
                Arguments.of("request id over 128 characters", check(CHECKOUT, "GET", API).setRequestId("r".repeat(129)),
                        "request_id: 129 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badChecks")
    void badCheck_isInvalidArgumentNamingTheField(String name, CheckRequest.Builder request, String message) throws Exception {
        int logged = log.records.size();
        PolicyServiceBlockingStub admin = as(ADMIN);

        assertThatThrownBy(() -> admin.check(request.build()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(status(e).getDescription()).contains(message));
        assertThat(log.records).hasSize(logged);
    }

    @Test
    void attributesEightLevelsDeep_andIntegralNumbers_areAccepted() throws Exception {
        Struct attributes = nested(8).toBuilder().putFields("count", Value.newBuilder().setNumberValue(3).build()).build();
        CheckResponse reply = as(ADMIN).check(check(CHECKOUT, CHARGE, API)
                .setContext(RequestContext.newBuilder().setAttributes(attributes)).build());

        assertThat(reply.getDecision()).isEqualTo(Decision.DECISION_ALLOW);
    }

    @Test
    void batchCheck_decidesEachInOrder_withPerCheckErrors() throws Exception {
        BatchCheckRequest batch = BatchCheckRequest.newBuilder()
                .addChecks(check(CHECKOUT, CHARGE, API))
                .addChecks(check("not-a-spiffe-id", CHARGE, API))
                .addChecks(check(CHECKOUT, "GET", "spiffe://meshid.local/ns/payments/sa/ledger"))
                .addChecks(check(CHECKOUT, "DELETE", API))
                .build();

        List<BatchCheckResult> results = as(API).batchCheck(batch).getResultsList();

        assertThat(results).hasSize(4);
        assertThat(results.get(0).getResponse().getDecision()).isEqualTo(Decision.DECISION_ALLOW);
        assertThat(results.get(1).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(results.get(1).getError().getMessage()).contains("principal");
        assertThat(results.get(2).getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
        assertThat(results.get(3).getResponse().getDecision()).isEqualTo(Decision.DECISION_DENY);
    }

    @Test
    void batchCheck_withNoChecksOrMoreThan100_isInvalidArgument() throws Exception {
        BatchCheckRequest.Builder tooMany = BatchCheckRequest.newBuilder();
        for (int i = 0; i < 101; i++) {
            tooMany.addChecks(check(CHECKOUT, CHARGE, API));
        }
        PolicyServiceBlockingStub stub = as(API);

        assertThatThrownBy(() -> stub.batchCheck(BatchCheckRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(status(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(e -> assertThat(status(e).getDescription()).contains("checks: 0 (expected: 1 to 100)"));
        assertThatThrownBy(() -> stub.batchCheck(tooMany.build()))
                .satisfies(e -> assertThat(status(e).getDescription()).contains("checks: 101"));
        assertThat(stub.batchCheck(BatchCheckRequest.newBuilder().addAllChecks(tooMany.getChecksList().subList(0, 100)).build())
                .getResultsCount()).isEqualTo(100);
    }
}
