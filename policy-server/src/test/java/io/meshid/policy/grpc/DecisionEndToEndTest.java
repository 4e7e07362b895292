package io.meshid.policy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.testing.TestDatabase;
import io.meshid.policy.testing.SeededPolicyServer;
import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.CheckResponse;
import io.meshid.proto.policy.v1.Decision;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real policy-server over mutual TLS, seeded with the starter policies as ./meshid dev does:
 * a sidecar's Check and an Envoy's ext_authz Check decide with version 1, and a deny reaches the
 * audit trail through the decision log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionEndToEndTest {

    static final String API = "spiffe://meshid.local/ns/payments/sa/api";
    static final String LEDGER = "spiffe://meshid.local/ns/payments/sa/ledger";
    static final String CHECKOUT = "spiffe://meshid.local/ns/shop/sa/checkout";

    private SeededPolicyServer server;
    private ManagedChannel asApi;
    private ManagedChannel asLedger;

    @BeforeAll
    void start() {
        server = new SeededPolicyServer(TestDatabase.h2(), Map.of());
        asApi = server.channelAs("/ns/payments/sa/api");
        asLedger = server.channelAs("/ns/payments/sa/ledger");
    }

    @AfterAll
    void stop() {
        List.of(asApi, asLedger).forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    @Test
    void sidecarCheck_overMutualTls_decidesWithTheSeededStarterPolicies() {
        CheckResponse reply = PolicyServiceGrpc.newBlockingStub(asApi).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setPrincipal(CHECKOUT).setAction("/payments.v1.Payments/Charge").setResource(API).build());

        assertThat(reply.getDecision()).isEqualTo(Decision.DECISION_ALLOW);
        assertThat(reply.getDeterminingPolicyIdsList()).containsExactly("checkout-charges-payments");
        assertThat(reply.getPolicyVersion()).isEqualTo(1);
    }

    @Test
    void envoyCheck_overMutualTls_deniesWith403_andTheDenyIsAudited() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        var reply = AuthorizationGrpc.newBlockingStub(asLedger).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(EnvoyAuthorizationEndpointTest.envoy(CHECKOUT, LEDGER, "DELETE", "/entries/9", Map.of("x-request-id", "e2e-delete")));

        assertThat(reply.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.Forbidden);
        assertThat(reply.getDeniedResponse().getBody()).contains("ledger-no-delete");

        Optional<AuditEvent> event = decisionEvent(before, e -> e.requestId().equals("e2e-delete"));
        assertThat(event).hasValueSatisfying(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.actor()).isEqualTo(CHECKOUT);
            assertThat(e.detail()).contains("DENY action=DELETE path=/entries/9").contains("policies=[ledger-no-delete]");
        });
    }

    @Test
    void aCheckWithoutItsOwnRequestId_isAuditedUnderTheCallsXRequestId() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "e2e-header-id");
        CheckResponse reply = PolicyServiceGrpc.newBlockingStub(asLedger)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setPrincipal(CHECKOUT).setAction("DELETE").setResource(LEDGER)
                        .setContext(io.meshid.proto.policy.v1.RequestContext.newBuilder().setPath("/entries/10")).build());
        assertThat(reply.getDecision()).isEqualTo(Decision.DECISION_DENY);

        assertThat(decisionEvent(before, e -> e.detail().contains("path=/entries/10")))
                .hasValueSatisfying(e -> assertThat(e.requestId()).isEqualTo("e2e-header-id"));
    }

    /** The first policy.decide event since {@code since} that {@code wanted} accepts, awaited for up to 5 s (the log is asynchronous). */
    private Optional<AuditEvent> decisionEvent(Instant since, java.util.function.Predicate<AuditEvent> wanted) throws InterruptedException {
        AuditLog audit = server.context().getBean(AuditLog.class);
        Optional<AuditEvent> event = Optional.empty();
        for (int i = 0; i < 100 && event.isEmpty(); i++) {
            event = audit.find(new AuditQuery("meshid.local", since, Optional.of("policy.decide"), 100)).stream().filter(wanted).findFirst();
            if (event.isEmpty()) {
                Thread.sleep(50);
            }
        }
        return event;
    }
}
