package io.meshid.policy.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.testing.StarterPolicies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * gRPC methods without schema bookkeeping: with the action {@code grpc} declared (as the starter
 * schema does), a policy may name any gRPC full method without declaring it, is still checked
 * against grpc's principal, resource and context types, and every method is in {@code grpc} at
 * decision time. Nothing else is declared for it.
 */
class GrpcMethodsTest {

    private static final String SCHEMA = StarterPolicies.text(StarterPolicies.STARTER, "schema.cedarschema");

    private static PolicySetSource source(String policies) {
        return new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, SCHEMA, policies, List.of(), List.of());
    }

    @Test
    void undeclaredGrpcMethod_validates_andIsStillTypeChecked() {
        ValidationReport report = PolicySetValidator.validate(source("""
                @id("orders") permit (principal, action == Action::"/orders.v1.Orders/Create", resource)
                when { context.path == "/orders.v1.Orders/Create" };
                @id("typo-in-context") permit (principal, action in [Action::"/orders.v1.Orders/Get"], resource)
                when { context.pth == "/" };
                @id("not-grpc") permit (principal, action == Action::"FETCH", resource);
                @id("not-grpc-either") permit (principal, action == Action::"orders.v1.Orders/Get", resource);
                """));

        // Cedar adds "unable to find an applicable action" (validation_error) beside unknown_action.
        assertThat(report.errors()).extracting(ValidationError::policyId, ValidationError::code).contains(
                tuple("typo-in-context", "unknown_attribute"),
                tuple("not-grpc", "unknown_action"),
                tuple("not-grpc-either", "unknown_action"));
        assertThat(report.errors()).extracting(ValidationError::policyId).doesNotContain("orders");
    }

    @Test
    void withoutTheGrpcAction_methodsMustBeDeclared() {
        String schema = SCHEMA.replace("action \"grpc\" appliesTo", "action \"rpc\" appliesTo").replace("in [\"grpc\"]", "in [\"rpc\"]");
        ValidationReport report = PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, schema, """
                @id("orders") permit (principal, action == Action::"/orders.v1.Orders/Create", resource);
                """, List.of(), List.of()));

        assertThat(report.errors()).extracting(ValidationError::code).contains("unknown_action");
    }

    @Test
    void everyGrpcMethod_isInTheGrpcGroup_atDecisionTime() {
        PolicySetSource source = source("""
                @id("all") permit (principal, action, resource);
                @id("no-rpc-to-ledger") forbid (principal, action in Action::"grpc",
                  resource == Service::"spiffe://meshid.local/ns/payments/sa/ledger");
                """);
        assertThat(PolicySetValidator.validate(source).errors()).isEmpty();
        CompiledPolicySet compiled = PolicySetValidator.compile(source);

        for (EngineKind engine : EngineKind.values()) {
            var decide = compiled.engine(engine, 4);
            assertThat(decide.decide(request(compiled, "/ledger.v1.Ledger/Append")).allowed()).as(engine.name()).isFalse();
            assertThat(decide.decide(request(compiled, "/grpc.health.v1.Health/Check")).allowed()).as(engine.name()).isFalse();
            assertThat(decide.decide(request(compiled, "GET")).allowed()).as(engine.name()).isTrue();
            assertThat(decide.decide(request(compiled, "/not a method")).allowed()).as(engine.name()).isTrue();
        }
    }

    private static io.meshid.policy.cedar.DecisionRequest request(CompiledPolicySet compiled, String action) {
        MeshRequest mesh = new MeshRequest(SpiffeId.parse("spiffe://meshid.local/ns/shop/sa/checkout"), action,
                SpiffeId.parse("spiffe://meshid.local/ns/payments/sa/ledger"), "/", Map.of(), "", null, Map.of(), "");
        return CedarRequests.of(mesh, 1_796_126_400L, compiled.actionGroups());
    }
}
