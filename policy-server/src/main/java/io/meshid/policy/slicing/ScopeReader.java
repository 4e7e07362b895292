package io.meshid.policy.slicing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a static policy's scope from its Cedar JSON form (the EST that cedar-java's
 * {@code Policy.toJson()} returns). Anything it does not recognise reads as
 * {@link ScopeConstraint#ANY}, so a policy is never left out of a slice it could match.
 * Thread-safe.
 */
public final class ScopeReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ScopeReader() {}

    /** The scope of the policy {@code policyId} whose JSON form is {@code estJson}; never throws. */
    public static PolicyScope read(String policyId, String estJson) {
        JsonNode root;
        try {
            root = JSON.readTree(estJson);
        } catch (Exception e) {
            return PolicyScope.unconstrained(policyId);
        }
        if (root == null || !root.isObject()) {
            return PolicyScope.unconstrained(policyId);
        }
        return new PolicyScope(policyId, constraint(root.get("principal")), constraint(root.get("resource")));
    }

    static ScopeConstraint constraint(JsonNode node) {
        if (node == null || !node.isObject()) {
            return ScopeConstraint.ANY;
        }
        String op = node.path("op").asText("");
        return switch (op) {
            case "==" -> entity(node.get("entity")) instanceof EntityKey e ? new ScopeConstraint.Eq(e) : ScopeConstraint.ANY;
            case "in" -> entity(node.get("entity")) instanceof EntityKey e ? new ScopeConstraint.In(e) : ScopeConstraint.ANY;
            case "is" -> {
                JsonNode in = node.get("in");
                EntityKey e = in == null ? null : entity(in.get("entity"));
                yield e == null ? ScopeConstraint.ANY : new ScopeConstraint.In(e);
            }
            default -> ScopeConstraint.ANY;
        };
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
