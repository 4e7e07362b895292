package io.meshid.policy.validation;

import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.model.policy.Policy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.validation.ValidationError.Part;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses what the mesh's hierarchy can never satisfy, so that no policy that validates is silently
 * dead: a schema that puts Workload, Service, Namespace or TrustDomain entities in groups meshid
 * never gives them (a policy's {@code principal in Team::"x"} would then pass Cedar's validator
 * and never match), and a Namespace or TrustDomain entity named otherwise than meshid names them
 * ({@code Namespace::"payments"} instead of {@code Namespace::"spiffe://td/ns/payments"}).
 * Stateless.
 */
final class MeshHierarchy {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MESH_PARENTS = Set.of(CedarRequests.NAMESPACE, CedarRequests.TRUST_DOMAIN);
    /** The parent types meshid gives each type it builds. */
    private static final Map<String, Set<String>> PARENTS = Map.of(
            CedarRequests.WORKLOAD, MESH_PARENTS,
            CedarRequests.SERVICE, MESH_PARENTS,
            CedarRequests.NAMESPACE, Set.of(CedarRequests.TRUST_DOMAIN),
            CedarRequests.TRUST_DOMAIN, Set.of());

    private MeshHierarchy() {}

    /** Adds an error for every membership the schema declares that meshid never gives. */
    static void checkSchema(JsonNode schema, List<ValidationError> errors) {
        JsonNode types = schema.path("").path("entityTypes");
        PARENTS.forEach((type, allowed) -> {
            Set<String> declared = new TreeSet<>();
            types.path(type).path("memberOfTypes").forEach(t -> declared.add(t.asText()));
            declared.removeAll(allowed);
            if (!declared.isEmpty()) {
                errors.add(new ValidationError(Part.SCHEMA, 0, "", Optional.empty(), "schema_error", "entity " + type
                        + " in " + declared + ": meshid never gives a " + type + " a parent of "
                        + (declared.size() == 1 ? "that type" : "those types") + ", so a policy's `in` on one could never match"
                        + " (expected: " + type + " in at most " + new TreeSet<>(allowed) + "; see docs/policy.md, Hierarchies)"));
            }
        });
    }

    /** Adds an error for every Namespace or TrustDomain entity in the policies that is not named as meshid names them. */
    static void checkPolicies(SourceReading reading, List<ValidationError> errors) {
        for (SourceReading.StaticItem item : reading.statics) {
            check(Part.POLICIES, 0, item.id(), json(item.text(), false), errors);
        }
        for (SourceReading.TemplateItem item : reading.templates) {
            check(Part.TEMPLATE, item.index(), item.id(), json(item.body(), true), errors);
        }
        for (SourceReading.LinkItem link : reading.links) {
            for (EntityUID uid : link.values().values()) {
                String problem = problem(uid.getType().toString(), uid.getId().toString());
                if (problem != null) {
                    errors.add(new ValidationError(Part.TEMPLATE_LINK, link.index(), link.id(), Optional.empty(),
                            "validation_error", problem));
                }
            }
        }
    }

    private static void check(Part part, int index, String id, JsonNode policy, List<ValidationError> errors) {
        if (policy == null) {
            return;
        }
        Set<String> problems = new TreeSet<>();
        walk(policy, problems);
        problems.forEach(p -> errors.add(new ValidationError(part, index, id, Optional.empty(), "validation_error", p)));
    }

    /** Every {@code {"type": T, "id": I}} object of the policy's JSON form (scope entities and entity literals). */
    private static void walk(JsonNode node, Set<String> problems) {
        if (node.isObject()) {
            JsonNode type = node.get("type");
            JsonNode id = node.get("id");
            if (type != null && type.isTextual() && id != null && id.isTextual() && node.size() == 2) {
                String problem = problem(type.asText(), id.asText());
                if (problem != null) {
                    problems.add(problem);
                }
            }
        }
        if (node.isContainerNode()) {
            node.forEach(child -> walk(child, problems));
        }
    }

    /** Why this entity can never be one meshid sends, or null when it can be. */
    static String problem(String type, String id) {
        if (type.equals(CedarRequests.TRUST_DOMAIN)) {
            SpiffeId parsed = parse(id);
            if (parsed == null || !parsed.path().isEmpty()) {
                return "TrustDomain::\"" + id + "\" can never be a request's ancestor (expected: TrustDomain::\"spiffe://<trust domain>\","
                        + " such as TrustDomain::\"spiffe://example.org\")";
            }
        } else if (type.equals(CedarRequests.NAMESPACE)) {
            SpiffeId parsed = parse(id);
            List<String> segments = parsed == null ? List.of() : parsed.segments();
            if (segments.size() != 2 || !segments.get(0).equals("ns") || segments.get(1).isEmpty()) {
                return "Namespace::\"" + id + "\" can never be a request's ancestor (expected: Namespace::\"spiffe://<trust domain>/ns/<namespace>\","
                        + " such as Namespace::\"spiffe://example.org/ns/payments\")";
            }
        }
        return null;
    }

    private static SpiffeId parse(String id) {
        try {
            SpiffeId parsed = SpiffeId.parse(id);
            return parsed.toString().equals(id) ? parsed : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static JsonNode json(String text, boolean template) {
        try {
            Policy policy = template ? Policy.parsePolicyTemplate(text) : Policy.parseStaticPolicy(text);
            return JSON.readTree(policy.toJson());
        } catch (Exception e) {
            return null;
        }
    }
}
