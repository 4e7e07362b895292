package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.AuthorizationBlockingStub;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
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
import io.meshid.policy.decisionlog.DecisionRecord;
import io.meshid.policy.testing.FakeActivePolicies;
import io.meshid.policy.testing.RecordingDecisionLog;
import io.meshid.policy.testing.StarterPolicies;
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
 * Envoy's ext_authz Check as an Envoy sidecar sends it (AttributeContext with the peers' SPIFFE
 * IDs, the HTTP request and every header), over the in-process transport with the real decision
 * path on the starter policies: OK with ok_response, or a 403 denied_response saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnvoyAuthorizationEndpointTest {

    static final String API = "spiffe://meshid.local/ns/payments/sa/api";
    static final String CHECKOUT = "spiffe://meshid.local/ns/shop/sa/checkout";

    private final FakeActivePolicies active = new FakeActivePolicies();
    private final RecordingDecisionLog log = new RecordingDecisionLog();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private DecisionService decisions;
    private PolicyConfig config;

    @BeforeAll
    void start() throws Exception {
        active.activate(TrustDomain.of("meshid.local"), 2, StarterPolicies.compile(StarterPolicies.STARTER));
        config = new PolicyConfig();
        config.setContextHeaders(List.of("content-type", "user-agent"));
        decisions = Decisions.service(active, config, log, new SimpleMeterRegistry(), MutableClock.at(Instant.parse("2026-12-01T00:00:00Z")));
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }

    private AuthorizationBlockingStub as(String caller) throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new EnvoyAuthorizationEndpoint(decisions, config), new ErrorMappingInterceptor(), PolicyServiceEndpointTest.authorization(),
                        TestCallers.as(SpiffeId.parse(caller))))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return AuthorizationGrpc.newBlockingStub(channel);
    }

    static CheckRequest envoy(String source, String destination, String method, String path, Map<String, String> headers) {
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setPrincipal(source)
                        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.7").setPortValue(51234))))
                .setDestination(AttributeContext.Peer.newBuilder().setPrincipal(destination))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod(method).setPath(path).putAllHeaders(headers).setId("envoy-42"))))
                .build();
    }

    @Test
    void grpcCall_isDecidedOnItsFullMethod_andAllowedWithOk() throws Exception {
        CheckResponse reply = as(API).check(envoy(CHECKOUT, API, "POST", "/payments.v1.Payments/Charge",
                Map.of("content-type", "application/grpc", ":path", "/payments.v1.Payments/Charge")));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(reply.hasOkResponse()).isTrue();
    }

    @Test
    void httpRequest_isDecidedOnItsMethod_withoutTheQuery_andHeadersChosenByConfig() throws Exception {
        CheckRequest request = envoy("spiffe://meshid.local/ns/ops/sa/prometheus", API, "GET", "/metrics?format=text",
                Map.of("user-agent", "prometheus/2", "authorization", "Bearer top-secret", "cookie", "session=cookie-secret",
                        "x-other", "dropped"));
        assertThat(io.meshid.policy.mapping.EnvoyRequests.of(request, config.getContextHeaders()).headers())
                .isEqualTo(Map.of("user-agent", "prometheus/2"));

        CheckResponse reply = as(API).check(request);

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        DecisionRecord record = log.records.getLast();
        assertThat(record.action()).isEqualTo("GET");
        assertThat(record.path()).isEqualTo("/metrics");
        assertThat(record.sourceAddress()).isEqualTo("10.0.0.7");
        assertThat(record.requestId()).isEqualTo("envoy-42");
        assertThat(record.toString()).doesNotContain("top-secret").doesNotContain("cookie-secret");
    }

    @Test
    void deny_isA403DeniedResponse_sayingWhy() throws Exception {
        CheckResponse reply = as("spiffe://meshid.local/ns/payments/sa/ledger").check(
                envoy(CHECKOUT, "spiffe://meshid.local/ns/payments/sa/ledger", "DELETE", "/entries/1", Map.of()));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(reply.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.Forbidden);
        assertThat(reply.getDeniedResponse().getBody()).contains("forbidden by ledger-no-delete (version 2)");
        assertThat(reply.getDeniedResponse().getHeadersList())
                .anySatisfy(h -> {
                    assertThat(h.getHeader().getKey()).isEqualTo(EnvoyAuthorizationEndpoint.REASON_HEADER);
                    assertThat(h.getHeader().getValue()).contains("ledger-no-delete");
                });
    }

    @Test
    void missingSourcePrincipal_isADeny_notAnError() throws Exception {
        CheckResponse reply = as(API).check(envoy("", API, "GET", "/", Map.of()));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(reply.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.Forbidden);
        assertThat(reply.getDeniedResponse().getBody()).contains("attributes.source.principal: empty");
    }

    @Test
    void malformedDestination_isADeny() throws Exception {
        CheckResponse reply = as(API).check(envoy(CHECKOUT, "outbound|8080||api.payments.svc", "GET", "/", Map.of()));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(reply.hasDeniedResponse()).isTrue();
    }

    @Test
    void callerThatIsNotTheDestination_isDenied() throws Exception {
        CheckResponse reply = as(CHECKOUT).check(envoy(CHECKOUT, API, "POST", "/payments.v1.Payments/Charge",
                Map.of("content-type", "application/grpc")));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(reply.getDeniedResponse().getBody()).contains("may not ask for decisions on " + API);
    }

    @Test
    void storeUnavailable_isA503Deny_soFailureModeAllowCannotOpenIt() throws Exception {
        active.unavailable(true);
        try {
            CheckResponse reply = as(API).check(envoy(CHECKOUT, API, "GET", "/", Map.of()));

            assertThat(reply.getStatus().getCode()).isEqualTo(Code.UNAVAILABLE_VALUE);
            assertThat(reply.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.ServiceUnavailable);
        } finally {
            active.unavailable(false);
        }
    }

    @Test
    void oversizedChosenHeader_isADeny() throws Exception {
        CheckResponse reply = as(API).check(envoy(CHECKOUT, API, "GET", "/", Map.of("user-agent", "u".repeat(5000))));

        assertThat(reply.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(reply.getDeniedResponse().getBody()).contains("context.headers[user-agent]: 5000 bytes");
    }
}
