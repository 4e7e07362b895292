package io.meshid.policy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.Decision;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.FakeActivePolicies;
import io.meshid.policy.testing.RecordingDecisionLog;
import io.meshid.policy.testing.Requests;
import io.meshid.policy.testing.StarterPolicies;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The starter policy set that ships with meshid (policies/starter), decided through the real
 * mapping and decision path: a table of requests with the expected decision and determining
 * policies, each also checked against full (unsliced) evaluation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StarterPolicyTableTest {

    static final String TD = "spiffe://meshid.local";
    static final String API = TD + "/ns/payments/sa/api";
    static final String LEDGER = TD + "/ns/payments/sa/ledger";
    static final String FRONTEND = TD + "/ns/shop/sa/frontend";
    static final String CHECKOUT = TD + "/ns/shop/sa/checkout";
    static final String PROMETHEUS = TD + "/ns/ops/sa/prometheus";
    static final String ADMIN = TD + "/meshid/admin";
    static final String WORKER = TD + "/legacy/worker";
    static final String FOREIGN = "spiffe://other.test/ns/payments/sa/api";
    static final String HEALTH = "/grpc.health.v1.Health/Check";
    static final String CHARGE = "/payments.v1.Payments/Charge";
    static final String REFUND = "/payments.v1.Payments/Refund";

    private CompiledPolicySet compiled;
    private DecisionService decisions;

    @BeforeAll
    void load() throws Exception {
        compiled = StarterPolicies.compile(StarterPolicies.STARTER);
        FakeActivePolicies active = new FakeActivePolicies();
        active.activate(TrustDomain.of("meshid.local"), 1, compiled);
        decisions = new DefaultDecisionService(active, new MeshidConfig(), new PolicyConfig(), new RecordingDecisionLog(),
                new SimpleMeterRegistry(), MutableClock.at(java.time.Instant.parse("2026-12-01T12:00:00Z")));
    }

    record Case(String name, String principal, String action, String resource, String path, Map<String, String> headers,
            String source, Map<String, Object> attributes, boolean allowed, List<String> determining, String errorIn) {

        Case(String name, String principal, String action, String resource, boolean allowed, String... determining) {
            this(name, principal, action, resource, "/", Map.of(), "", Map.of(), allowed, List.of(determining), null);
        }

        Case at(String path) {
            return new Case(name, principal, action, resource, path, headers, source, attributes, allowed, determining, errorIn);
        }

        Case from(String address) {
            return new Case(name, principal, action, resource, path, headers, address, attributes, allowed, determining, errorIn);
        }

        Case header(String header, String value) {
            return new Case(name, principal, action, resource, path, Map.of(header, value), source, attributes, allowed, determining, errorIn);
        }

        Case attribute(String key, Object value) {
            return new Case(name, principal, action, resource, path, headers, source, Map.of(key, value), allowed, determining, errorIn);
        }

        Case errorIn(String policy) {
            return new Case(name, principal, action, resource, path, headers, source, attributes, allowed, determining, policy);
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("health check within the trust domain", CHECKOUT, HEALTH, API, true, "health-checks"),
                new Case("health check from another trust domain is forbidden", FOREIGN, HEALTH, API, false, "forbid-other-trust-domains"),
                new Case("read within the namespace and through a template link", API, "GET", LEDGER, true,
                        "payments-api-reads-ledger", "same-namespace-read"),
                new Case("GET within the namespace", LEDGER, "GET", API, true, "same-namespace-read"),
                new Case("HEAD within the namespace", LEDGER, "HEAD", API, true, "same-namespace-read"),
                new Case("POST within the namespace is not a read", LEDGER, "POST", API, false),
                new Case("GET across namespaces: default deny", FRONTEND, "GET", API, false),
                new Case("checkout charges payments", CHECKOUT, CHARGE, API, true, "checkout-charges-payments"),
                new Case("frontend may not charge", FRONTEND, CHARGE, API, false),
                new Case("refund with a gRPC content type", CHECKOUT, REFUND, API, true, "checkout-refunds-json")
                        .header("content-type", "application/grpc"),
                new Case("refund without the header", CHECKOUT, REFUND, API, false),
                new Case("refund with another content type", CHECKOUT, REFUND, API, false).header("content-type", "application/json"),
                new Case("credential header never reaches the context", CHECKOUT, REFUND, API, false)
                        .header("authorization", "Bearer secret"),
                new Case("prometheus scrapes /metrics", PROMETHEUS, "GET", API, true, "metrics-scrape").at("/metrics"),
                new Case("prometheus may not GET other paths", PROMETHEUS, "GET", API, false).at("/orders"),
                new Case("prometheus may not POST /metrics", PROMETHEUS, "POST", API, false).at("/metrics"),
                new Case("acme tenant posts orders", FRONTEND, "POST", CHECKOUT, true, "acme-orders").at("/orders")
                        .attribute("tenant", "acme"),
                new Case("another tenant may not", FRONTEND, "POST", CHECKOUT, false).at("/orders").attribute("tenant", "globex"),
                new Case("no tenant attribute", FRONTEND, "POST", CHECKOUT, false).at("/orders"),
                new Case("acme tenant on another path", FRONTEND, "POST", CHECKOUT, false).at("/cart").attribute("tenant", "acme"),
                new Case("same namespace and a template link", FRONTEND, "GET", CHECKOUT, true,
                        "frontend-reads-checkout", "same-namespace-read"),
                new Case("forbid on the ledger beats the may-call link", CHECKOUT, "DELETE", LEDGER, false, "ledger-no-delete"),
                new Case("may-call link allows POST", CHECKOUT, "POST", LEDGER, true, "checkout-calls-ledger"),
                new Case("may-call link allows any gRPC method", CHECKOUT, CHARGE, LEDGER, true, "checkout-calls-ledger"),
                new Case("admin may delete on the API", ADMIN, "DELETE", API, true, "admin-all"),
                new Case("admin may not delete on the ledger", ADMIN, "DELETE", LEDGER, false, "ledger-no-delete"),
                new Case("admin path from the cluster network", ADMIN, "GET", API, true, "admin-all").at("/admin/users").from("10.1.2.3"),
                new Case("admin path from outside", ADMIN, "GET", API, false, "admin-paths-from-cluster").at("/admin/users")
                        .from("192.168.1.1"),
                new Case("admin path without a source address is outside the cluster", ADMIN, "GET", API, false,
                        "admin-paths-from-cluster").at("/admin/users"),
                new Case("ID without namespace gets no namespace read", WORKER, "GET", API, false),
                new Case("unknown action: default deny, no error", CHECKOUT, "/unknown.v1.Thing/Do", API, false),
                new Case("foreign workload reading the ledger", FOREIGN, "GET", LEDGER, false, "forbid-other-trust-domains"),
                new Case("a workload reads itself", API, "GET", API, true, "same-namespace-read"),
                new Case("admin path from the cluster, same namespace", LEDGER, "GET", API, true, "same-namespace-read")
                        .at("/admin/x").from("10.0.0.1"),
                new Case("actions are case-sensitive", API, "get", LEDGER, false),
                new Case("IPv6 source outside the cluster range", ADMIN, "GET", API, false, "admin-paths-from-cluster")
                        .at("/admin/x").from("2001:db8::1"))
                .map(c -> Arguments.of(c.name(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void starterPolicies_decideAsExpected(String name, Case c) {
        MeshRequest request = Requests.request(c.principal(), c.action(), c.resource(), c.path(), c.headers(), c.source(),
                c.attributes());

        CheckOutcome outcome = decisions.check(SpiffeId.parse(ADMIN), request);

        assertThat(outcome.allowed()).as("allowed").isEqualTo(c.allowed());
        assertThat(outcome.determiningPolicies()).as("determining").isEqualTo(c.determining());
        assertThat(outcome.policyVersion()).isEqualTo(1);
        if (c.errorIn() == null) {
            assertThat(outcome.errors()).as("errors").isEmpty();
        } else {
            assertThat(outcome.errors()).extracting(CheckOutcome.PolicyError::policyId).containsExactly(c.errorIn());
        }
        Decision full = compiled.fullEvaluator().decide(CedarRequests.of(request, 1_796_126_400L));
        assertThat(full.allowed()).as("full evaluation agrees").isEqualTo(c.allowed());
        assertThat(full.determiningPolicies()).as("full evaluation agrees").isEqualTo(c.determining());
    }

    @Test
    void starterSet_hasTemplatesAndLinks() throws Exception {
        assertThat(StarterPolicies.templates(StarterPolicies.STARTER)).containsKeys("may-call", "may-read");
        assertThat(StarterPolicies.links(StarterPolicies.STARTER)).hasSizeGreaterThanOrEqualTo(3);
        assertThat(cases().count()).isGreaterThanOrEqualTo(30);
    }
}
