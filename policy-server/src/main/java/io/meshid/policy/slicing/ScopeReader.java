package io.meshid.policy.slicing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * Reads a policy's scope from its Cedar JSON form (the EST that cedar-java's {@code
 * Policy.toJson()} returns, or a template's EST from {@code PolicySet.toJson()} together with
 * the values a link puts in its slots). Anything it does not recognise reads as
 * {@link ScopeConstraint#ANY}, so a policy is never left out of a slice it could match.
 * Thread-safe.
 */
public final class ScopeReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ScopeReader() {}

    /** The scope of the policy {@code policyId} whose JSON form is {@code estJson}; never throws. */
    public static PolicyScope read(String policyId, String estJson) {
        return read(policyId, estJson, Map.of());
    }

    /**
     * The scope of the template link {@code policyId}: its template's JSON form with each slot
     * ({@code ?principal}, {@code ?resource}) taken from {@code slots}; never throws.
     */
    public static PolicyScope read(String policyId, String estJson, Map<String, EntityKey> slots) {
        JsonNode root;
        try {
            root = JSON.readTree(estJson);
        } catch (Exception e) {
            return PolicyScope.unconstrained(policyId);
        }
        return scope(policyId, root, slots);
    }

    private static PolicyScope scope(String policyId, JsonNode est, Map<String, EntityKey> slots) {
        if (est == null || !est.isObject()) {
            return PolicyScope.unconstrained(policyId);
        }
        return new PolicyScope(policyId, constraint(est.get("principal"), slots), constraint(est.get("resource"), slots));
    }

    private static ScopeConstraint constraint(JsonNode node, Map<String, EntityKey> slots) {
        if (node == null || !node.isObject()) {
            return ScopeConstraint.ANY;
        }
        String op = node.path("op").asText("");
        return switch (op) {
            case "==" -> target(node, slots) instanceof EntityKey e ? new ScopeConstraint.Eq(e) : ScopeConstraint.ANY;
            case "in" -> target(node, slots) instanceof EntityKey e ? new ScopeConstraint.In(e) : ScopeConstraint.ANY;
            case "is" -> {
                JsonNode in = node.get("in");
                EntityKey e = in == null ? null : target(in, slots);
                yield e == null ? ScopeConstraint.ANY : new ScopeConstraint.In(e);
            }
            default -> ScopeConstraint.ANY;
        };
    }

    /** The entity a constraint names directly or through a filled slot; null if neither. */
    private static EntityKey target(JsonNode node, Map<String, EntityKey> slots) {
        JsonNode slot = node.get("slot");
        if (slot != null) {
            return slot.isTextual() ? slots.get(slot.asText()) : null;
        }
        return entity(node.get("entity"));
    }

    private static EntityKey entity(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode ref = node.has("__entity") ? node.get("__entity") : node;
        JsonNode type = ref.get("type");
        JsonNode id = ref.get("id");
        if (type == null || id == null || !type.isTextual() || !id.isTextual()) {
            return null;
        }
        return new EntityKey(type.asText(), id.asText());
    }
}
