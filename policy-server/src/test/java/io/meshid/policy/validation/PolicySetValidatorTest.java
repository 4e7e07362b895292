package io.meshid.policy.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.store.TestSources;
import io.meshid.policy.validation.ValidationError.Part;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicySetValidatorTest {

    private static ValidationReport validate(String policies) {
        return PolicySetValidator.validate(TestSources.of(policies));
    }

    private static PolicySetSource withTemplates(List<PolicySetSource.Template> templates, List<PolicySetSource.Link> links) {
        return new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, TestSources.SCHEMA, TestSources.POLICIES, templates, links);
    }

    @Test
    void validSet_hasNoErrors_andCountsPoliciesAndLinks() {
        ValidationReport report = PolicySetValidator.validate(TestSources.valid());
        assertThat(report.errors()).isEmpty();
        assertThat(report.valid()).isTrue();
        assertThat(report.policyCount()).isEqualTo(3);
    }

    @Test
    void everyBrokenPolicy_isReported_withItsIdAndPosition() {
        String text = """
                @id("ok") permit(principal, action == Action::"call", resource);
                @id("broken")
                permit(principal, actio, resource);
                @id("entity") permit(principal is Nope, action == Action::"call", resource);
                @id("action") permit(principal, action == Action::"nope", resource);
                @id("attr") permit(principal, action == Action::"call", resource) when { principal.nosuch == "x" };
                @id("type") permit(principal, action == Action::"call", resource) when { principal.path == 3 };
                """;
        ValidationReport report = validate(text);

        assertThat(report.errors()).extracting(ValidationError::policyId, ValidationError::code).contains(
                org.assertj.core.groups.Tuple.tuple("broken", "parse_error"),
                org.assertj.core.groups.Tuple.tuple("entity", "unknown_entity_type"),
                org.assertj.core.groups.Tuple.tuple("action", "unknown_action"),
                org.assertj.core.groups.Tuple.tuple("attr", "unknown_attribute"),
                org.assertj.core.groups.Tuple.tuple("type", "type_error"));
        assertThat(report.errors()).allMatch(e -> e.part() == Part.POLICIES);
        assertThat(report.errors()).noneMatch(e -> e.policyId().equals("ok"));
        ValidationError broken = report.errors().stream().filter(e -> e.policyId().equals("broken")).findFirst().orElseThrow();
        assertThat(broken.location()).as("where the parser stopped, not where the policy starts").get()
                .extracting(ValidationError.Location::line, ValidationError.Location::column)
                .containsExactly(3, "permit(principal, ".length() + 1);
        ValidationError attr = report.errors().stream().filter(e -> e.policyId().equals("attr")).findFirst().orElseThrow();
        int offset = text.indexOf("principal.nosuch");
        assertThat(attr.location()).contains(new ValidationError.Location(6, offset - text.lastIndexOf('\n', offset), offset,
                "principal.nosuch".length()));
        assertThat(attr.message()).contains("nosuch").contains("did you mean");
        assertThat(attr.describe()).startsWith("attr:6:");
    }

    @Test
    void positions_countCodePoints_andUtf8Bytes() {
        String text = "@id(\"é\") permit(principal, action == Action::\"call\", resource) when { principal.path == \"ü\" && principal.x == \"y\" };";
        ValidationReport report = validate(text.replace("@id(\"é\")", "@id(\"e\")"));
        String used = text.replace("@id(\"é\")", "@id(\"e\")");
        ValidationError e = report.errors().get(0);
        int chars = used.indexOf("principal.x");
        assertThat(e.location().orElseThrow().column()).isEqualTo(chars + 1);
        assertThat(e.location().orElseThrow().offset()).isEqualTo(chars + 1);
    }

    @Test
    void missingAndDuplicateIds_areErrors() {
        ValidationReport report = validate("""
                permit(principal, action == Action::"call", resource);
                @id("twice") permit(principal, action == Action::"call", resource);
                @id("twice") forbid(principal, action == Action::"call", resource);
                @id("bad id!") permit(principal, action == Action::"call", resource);
                """);
        assertThat(report.errors()).extracting(ValidationError::code)
                .containsExactly("missing_id", "duplicate_id", "validation_error");
        assertThat(report.errors().get(1).message()).contains("first used at line 2");
    }

    @Test
    void templatesAndLinks_areCheckedOneByOne() {
        List<PolicySetSource.Template> templates = List.of(
                new PolicySetSource.Template("t", "permit(principal == ?principal, action == Action::\"call\", resource in ?resource);"),
                new PolicySetSource.Template("bad", "permit(principal == ?principal, action"),
                new PolicySetSource.Template("ta", "permit(principal == ?principal, action == Action::\"call\", resource);"));
        List<PolicySetSource.Link> links = List.of(
                new PolicySetSource.Link("nope", "l0", Map.of("?principal", "Workload::\"x\"")),
                new PolicySetSource.Link("t", "l1", Map.of("?principal", "Workload::\"x\"")),
                new PolicySetSource.Link("ta", "l2", Map.of("?principal", "Workload::\"x\"", "?resource", "Service::\"y\"")),
                new PolicySetSource.Link("ta", "l3", Map.of("?principal", "not a uid")),
                new PolicySetSource.Link("ta", "ta", Map.of("?principal", "Workload::\"x\"")),
                new PolicySetSource.Link("ta", "l5", Map.of("?principal", "Nope::\"x\"")));
        ValidationReport report = PolicySetValidator.validate(withTemplates(templates, links));

        assertThat(report.errors()).extracting(ValidationError::part, ValidationError::index, ValidationError::code).contains(
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE, 1, "parse_error"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 0, "unknown_template"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 1, "unfilled_slot"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 2, "unfilled_slot"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 3, "parse_error"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 4, "duplicate_id"),
                org.assertj.core.groups.Tuple.tuple(Part.TEMPLATE_LINK, 5, "unknown_entity_type"));
        assertThat(report.errors()).filteredOn(e -> e.index() == 1 && e.part() == Part.TEMPLATE_LINK)
                .extracting(ValidationError::message).anyMatch(m -> m.startsWith("slot ?resource: not filled"));
    }

    @Test
    void templateFindings_arePlacedInTheTemplateBody() {
        String body = "permit(principal == ?principal, action == Action::\"call\", resource) when { principal.nosuch == 1 };";
        ValidationReport report = PolicySetValidator.validate(withTemplates(
                List.of(new PolicySetSource.Template("t", body)), List.of()));
        ValidationError e = report.errors().get(0);
        assertThat(e.part()).isEqualTo(Part.TEMPLATE);
        assertThat(e.field()).isEqualTo("source.templates[0]");
        assertThat(e.location().orElseThrow().offset()).isEqualTo(body.indexOf("principal.nosuch"));
    }

    @Test
    void brokenSchema_isASchemaError_andPoliciesStillParse() {
        ValidationReport cedar = PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR,
                "entity Workload { path: Strin };", "@id(\"x\") permit(principal, actio, resource);", List.of(), List.of()));
        assertThat(cedar.errors()).extracting(ValidationError::code).containsExactlyInAnyOrder("schema_error", "parse_error");

        ValidationReport json = PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.JSON,
                "{\n  \"\": { \"entityTypes\": {, }", "", List.of(), List.of()));
        assertThat(json.errors()).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo("schema_error");
            assertThat(e.part()).isEqualTo(Part.SCHEMA);
            assertThat(e.location()).map(ValidationError.Location::line).contains(2);
        });
    }

    @Test
    void jsonSchema_validatesLikeCedarSyntax() {
        String schema = """
                {"": {"entityTypes": {"Workload": {}, "Service": {}},
                      "actions": {"call": {"appliesTo": {"principalTypes": ["Workload"], "resourceTypes": ["Service"]}}}}}
                """;
        assertThat(PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.JSON, schema,
                "@id(\"x\") permit(principal, action == Action::\"call\", resource);", List.of(), List.of())).valid()).isTrue();
    }

    @Test
    void bounds_areRefusedWhole_beforeValidation() {
        assertThatThrownBy(() -> validate("@id(\"x\") permit(principal, action, resource) when { \"" + "a".repeat(1 << 20) + "\" == \"\" };"))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("source.policies: ").hasMessageContaining("bytes");
        String many = "@id(\"p\") permit(principal, action, resource);\n".repeat(SourceBounds.MAX_POLICIES + 1);
        assertThatThrownBy(() -> validate(many))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageContaining("2001");
        List<PolicySetSource.Template> templates = java.util.stream.IntStream.range(0, 201)
                .mapToObj(i -> new PolicySetSource.Template("t" + i, "permit(principal == ?principal, action, resource);")).toList();
        assertThatThrownBy(() -> PolicySetValidator.validate(withTemplates(templates, List.of())))
                .isInstanceOf(MeshidException.InvalidArgument.class).hasMessageStartingWith("source.templates: 201");
        assertThatThrownBy(() -> PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, " ", "",
                List.of(), List.of()))).hasMessageStartingWith("source.schema: empty");
    }

    @Test
    void policyText_splitsOutsideStringsAndComments() {
        List<PolicyText.Statement> s = PolicyText.split("// a; comment\n@id(\"x;\") permit(principal, action, resource)"
                + " when { context.path like \"a\\\";*\" };\n  trailing");
        assertThat(s).extracting(PolicyText.Statement::text).containsExactly(
                "@id(\"x;\") permit(principal, action, resource) when { context.path like \"a\\\";*\" };", "trailing");
        assertThat(s.get(0).start()).isEqualTo(14);
        assertThat(Optional.of(s.get(1).end())).contains(s.get(1).start() + "trailing".length());
    }

    @Test
    void parseErrors_arePlacedWhereCedarsParserStopped() {
        String policies = "@id(\"a\")\npermit(principal, action, resource)\nwhen { context.path == };\n";
        ValidationError policy = validate(policies).errors().stream().filter(e -> e.code().equals("parse_error")).findFirst().orElseThrow();
        assertThat(policy.location()).get().extracting(ValidationError.Location::line, ValidationError.Location::column)
                .containsExactly(3, "when { context.path == ".length() + 1);
        assertThat(policy.message()).contains("unexpected token `}`").contains("(expected here: ");

        String body = "permit(principal == ?principal, action, resource)\nwhen { \"abc };";
        ValidationError template = PolicySetValidator.validate(withTemplates(List.of(new PolicySetSource.Template("t", body)), List.of()))
                .errors().stream().filter(e -> e.part() == Part.TEMPLATE).findFirst().orElseThrow();
        assertThat(template.location()).get().extracting(ValidationError.Location::line).isEqualTo(2);

        String schema = "entity User;\nentity Team in [User\n";
        ValidationError broken = PolicySetValidator.validate(new PolicySetSource(PolicySetSource.SchemaFormat.CEDAR, schema,
                "@id(\"x\") permit(principal, action, resource);", List.of(), List.of())).errors().stream()
                .filter(e -> e.part() == Part.SCHEMA).findFirst().orElseThrow();
        assertThat(broken.location()).as("a schema error has a position too").get()
                .extracting(ValidationError.Location::line).isEqualTo(2);
        assertThat(broken.message()).contains("(expected here: ");
    }
}
