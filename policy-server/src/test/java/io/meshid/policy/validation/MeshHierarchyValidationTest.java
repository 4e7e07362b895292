package io.meshid.policy.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.testing.StarterPolicies;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No policy that validates is silently dead for want of a hierarchy: a schema that puts the mesh's
 * entities in groups meshid never gives them, and Namespace or TrustDomain entities named otherwise
 * than meshid names them, are refused at validation.
 */
class MeshHierarchyValidationTest {

    private static final String STARTER_SCHEMA = StarterPolicies.text(StarterPolicies.STARTER, "schema.cedarschema");

    private static ValidationReport validate(String schema, String policies) {
        return PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, schema, policies, List.of(),
                List.of()));
    }

    @Test
    void schemaPuttingWorkloadsInAGroupMeshidNeverGives_isRefused() {
        String schema = STARTER_SCHEMA.replace("entity TrustDomain;", "entity TrustDomain;\nentity Team;")
                .replace("entity Workload in [Namespace, TrustDomain]", "entity Workload in [Namespace, TrustDomain, Team]");
        ValidationReport report = validate(schema, """
                @id("team") permit (principal in Team::"payments", action == Action::"GET", resource);
                """);

        assertThat(report.errors()).extracting(ValidationError::part, ValidationError::code)
                .containsExactly(tuple(ValidationError.Part.SCHEMA, "schema_error"));
        assertThat(report.errors().get(0).message()).contains("entity Workload in [Team]").contains("never");
    }

    @Test
    void namespaceOrTrustDomainNamedOtherwise_isRefused_inPoliciesAndLinks() {
        ValidationReport report = validate(STARTER_SCHEMA, """
                @id("short-ns") permit (principal in Namespace::"payments", action == Action::"GET", resource);
                @id("bare-td") permit (principal, action == Action::"GET", resource)
                when { principal in TrustDomain::"meshid.local" };
                @id("good") permit (principal in Namespace::"spiffe://meshid.local/ns/shop", action == Action::"GET",
                  resource in TrustDomain::"spiffe://meshid.local");
                """);

        assertThat(report.errors()).extracting(ValidationError::policyId, ValidationError::code).containsExactlyInAnyOrder(
                tuple("short-ns", "validation_error"), tuple("bare-td", "validation_error"));
        assertThat(report.errors().get(0).message()).contains("spiffe://<trust domain>");
    }

    @Test
    void starterSchema_declaresTheHierarchy_soInValidates() {
        ValidationReport report = validate(STARTER_SCHEMA, """
                @id("shop-to-payments") permit (principal in Namespace::"spiffe://meshid.local/ns/shop", action in Action::"write",
                  resource in Namespace::"spiffe://meshid.local/ns/payments");
                """);

        assertThat(report.errors()).isEmpty();
        assertThat(report.warnings()).isEmpty();
    }

    @Test
    void deeplyNestedPolicy_isARefusal_notAStackOverflow() {
        String deep = "!".repeat(20_000) + "true";
        assertThatThrownBy(() -> validate(STARTER_SCHEMA, "@id(\"deep\") permit (principal, action == Action::\"GET\", resource) when { "
                + deep + " };")).isInstanceOf(io.meshid.common.errors.MeshidException.InvalidArgument.class)
                .hasMessageContaining("operators in one statement");
    }
}
