package io.meshid.policy.validation;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.ValidationRequest;
import com.cedarpolicy.model.ValidationResponse;
import com.cedarpolicy.model.policy.LinkValue;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.policy.TemplateLink;
import com.cedarpolicy.model.schema.Schema;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.errors.MeshidException;
import io.meshid.policy.cedar.ActionGroups;
import io.meshid.policy.cedar.CedarStack;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.TemplateLinkSource;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.validation.ValidationError.Part;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates a policy set the way PutPolicySet and ValidatePolicySet do: bounds first
 * ({@link SourceBounds}, thrown), then every static policy, template and link on its own
 * ({@link SourceReading}), then the schema, then Cedar's validator (cedar-java's
 * {@code validate}, strict mode) over everything that parsed. Every finding becomes a
 * {@link ValidationError} with the policy id and the position in the part's text; Cedar's
 * messages are mapped to the codes of {@code meshid.policy.v1.ValidationError}. Thread-safe
 * (stateless).
 */
public final class PolicySetValidator {

    static final BasicAuthorizationEngine ENGINE = new BasicAuthorizationEngine();
    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicySetValidator() {
    }

    /**
     * Every error and warning of {@code source}.
     *
     * @throws MeshidException.InvalidArgument when {@code source} breaks a bound
     */
    public static ValidationReport validate(PolicySetSource source) {
        SourceBounds.check(source);
        try {
            return CedarStack.call(() -> checked(source));
        } catch (StackOverflowError e) {
            throw new MeshidException.InvalidArgument("source: nested too deeply to validate (expected: policies and schema"
                    + " types nested at most a few hundred levels)");
        }
    }

    private static ValidationReport checked(PolicySetSource source) {
        SourceReading reading = SourceReading.of(source);
        List<ValidationError> errors = new ArrayList<>(reading.errors);
        List<ValidationError> warnings = new ArrayList<>();
        Optional<Schema> schema = schema(source, errors);
        if (schema.isPresent()) {
            Optional<com.fasterxml.jackson.databind.JsonNode> json = schemaJson(schema.get(), errors);
            json.ifPresent(j -> MeshHierarchy.checkSchema(j, errors));
            Schema effective = schema.get();
            if (json.isPresent()) {
                com.fasterxml.jackson.databind.JsonNode declared = GrpcMethods.declared(json.get(), reading);
                effective = declared == json.get() ? effective : new Schema(declared);
            }
            validate(effective, reading, errors, warnings);
        }
        MeshHierarchy.checkPolicies(reading, errors);
        return new ValidationReport(errors, warnings, reading.statics.size() + reading.links.size());
    }

    /**
     * Compiles a stored (so already validated) source into an evaluable policy set, with the action
     * groups its schema declares (the schema is not validated again).
     *
     * @throws MeshidException.InvalidArgument when it does not even read structurally
     */
    public static CompiledPolicySet compile(PolicySetSource source) {
        SourceReading reading = SourceReading.of(source);
        if (!reading.errors.isEmpty()) {
            throw new MeshidException.InvalidArgument("policy set: " + reading.errors.size() + " errors, first "
                    + reading.errors.get(0).describe());
        }
        List<TemplateLinkSource> links = new ArrayList<>();
        for (SourceReading.LinkItem link : reading.links) {
            links.add(new TemplateLinkSource(link.id(), link.templateId(),
                    Optional.ofNullable(link.values().get("?principal")).map(SourceReading::ref).orElse(null),
                    Optional.ofNullable(link.values().get("?resource")).map(SourceReading::ref).orElse(null)));
        }
        List<ValidationError> schemaErrors = new ArrayList<>();
        Optional<Schema> schema = schema(source, schemaErrors);
        if (schema.isEmpty()) {
            throw new MeshidException.InvalidArgument("policy set: schema: " + schemaErrors.get(0).describe());
        }
        return CompiledPolicySet.compile(reading.staticTexts(), reading.templateBodies(), links,
                ActionGroups.fromSchemaJson(SchemaJson.of(schema.get())));
    }

    private static Optional<com.fasterxml.jackson.databind.JsonNode> schemaJson(Schema schema, List<ValidationError> errors) {
        try {
            return Optional.of(SchemaJson.of(schema));
        } catch (MeshidException.InvalidArgument e) {
            errors.add(new ValidationError(Part.SCHEMA, 0, "", Optional.empty(), "schema_error", e.getMessage()));
            return Optional.empty();
        }
    }

    private static Optional<Schema> schema(PolicySetSource source, List<ValidationError> errors) {
        String text = source.schema();
        if (source.schemaFormat() == PolicySetSource.SchemaFormat.JSON) {
            try {
                JSON.readTree(text);
            } catch (JsonProcessingException e) {
                TextPositions positions = new TextPositions(text);
                long chars = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
                Optional<ValidationError.Location> where = chars < 0 || chars > text.length() ? Optional.empty()
                        : Optional.of(positions.location(positions.byteOffset((int) chars), positions.byteOffset((int) chars)));
                errors.add(new ValidationError(Part.SCHEMA, 0, "", where, "schema_error", "not JSON: " + e.getOriginalMessage()
                        + " (expected: a schema in Cedar's JSON schema format)"));
                return Optional.empty();
            }
        }
        try {
            Schema.JsonOrCedar format = source.schemaFormat() == PolicySetSource.SchemaFormat.JSON
                    ? Schema.JsonOrCedar.Json : Schema.JsonOrCedar.Cedar;
            return Optional.of(Schema.parse(format, text));
        } catch (Exception e) {
            boolean json = source.schemaFormat() == PolicySetSource.SchemaFormat.JSON;
            Optional<ParseErrors.Span> at = json ? Optional.empty() : ParseErrors.inCedarSchema(text);
            TextPositions positions = new TextPositions(text);
            errors.add(new ValidationError(Part.SCHEMA, 0, "", at.map(a -> positions.location(a.start(), a.end())), "schema_error",
                    SourceReading.cedarMessage(e) + SourceReading.expected(at, "a valid Cedar schema in " + (json ? "JSON" : "Cedar")
                    + " format")));
            return Optional.empty();
        }
    }

    private static void validate(Schema schema, SourceReading reading, List<ValidationError> errors,
            List<ValidationError> warnings) {
        Map<String, Finding> where = new HashMap<>();
        Set<Policy> statics = new HashSet<>();
        for (SourceReading.StaticItem s : reading.statics) {
            statics.add(new Policy(s.text(), s.id()));
            where.put(s.id(), Finding.ofStatic(reading.policyPositions, s));
        }
        Set<Policy> templates = new HashSet<>();
        for (SourceReading.TemplateItem t : reading.templates) {
            templates.add(new Policy(t.body(), t.id()));
            where.put(t.id(), new Finding(Part.TEMPLATE, t.index(), new TextPositions(t.body()), 0));
        }
        List<TemplateLink> links = new ArrayList<>();
        for (SourceReading.LinkItem l : reading.links) {
            List<LinkValue> values = new ArrayList<>();
            l.values().forEach((slot, uid) -> values.add(new LinkValue(slot, uid)));
            links.add(new TemplateLink(l.templateId(), l.id(), values));
            where.put(l.id(), new Finding(Part.TEMPLATE_LINK, l.index(), null, 0));
        }
        if (statics.isEmpty() && templates.isEmpty()) {
            return;
        }
        ValidationResponse response;
        try {
            response = ENGINE.validate(new ValidationRequest(schema, new PolicySet(statics, templates, links)));
        } catch (Exception e) {
            errors.add(new ValidationError(Part.UNSPECIFIED, 0, "", Optional.empty(), "validation_error", SourceReading.cedarMessage(e)));
            return;
        }
        response.errors.ifPresent(list -> list.forEach(e -> errors.add(unplaced(e))));
        response.warnings.forEach(w -> warnings.add(unplaced(w)));
        response.success.ifPresent(success -> {
            success.validationErrors.forEach(e -> errors.add(placed(where, e.getPolicyId(), e.getError())));
            success.validationWarnings.forEach(w -> warnings.add(placed(where, w.getPolicyId(), w.getError())));
        });
    }

    private static ValidationError unplaced(DetailedError e) {
        return new ValidationError(Part.UNSPECIFIED, 0, "", Optional.empty(), CedarCodes.code(e.message), CedarCodes.message(e));
    }

    private static ValidationError placed(Map<String, Finding> where, String policyId, DetailedError e) {
        Finding f = where.get(policyId);
        if (f == null) {
            return new ValidationError(Part.UNSPECIFIED, 0, policyId == null ? "" : policyId, Optional.empty(),
                    CedarCodes.code(e.message), CedarCodes.message(e));
        }
        Optional<ValidationError.Location> location = Optional.empty();
        if (f.positions() != null && !e.sourceLocations.isEmpty()) {
            DetailedError.SourceLabel label = e.sourceLocations.get(0);
            location = Optional.of(f.positions().location(f.byteStart() + label.start, f.byteStart() + label.end));
        }
        return new ValidationError(f.part(), f.index(), policyId, location, CedarCodes.code(e.message), CedarCodes.message(e));
    }

    /** Where a policy id's findings go: its part and index, and how to place Cedar's byte offsets. */
    private record Finding(Part part, int index, TextPositions positions, int byteStart) {
        static Finding ofStatic(TextPositions positions, SourceReading.StaticItem s) {
            return new Finding(Part.POLICIES, 0, positions, s.byteStart());
        }
    }
}
