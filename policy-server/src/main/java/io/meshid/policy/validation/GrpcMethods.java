package io.meshid.policy.validation;

import com.cedarpolicy.model.policy.Policy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshid.policy.cedar.ActionGroups;
import java.util.Set;
import java.util.TreeSet;

/**
 * gRPC methods without schema bookkeeping. When the schema's empty namespace declares the action
 * {@value #GROUP} with an {@code appliesTo}, every gRPC full method name ({@code
 * /package.Service/Method}) that a policy or template names as an action and the schema does not
 * declare is declared as a member of {@value #GROUP} with the same {@code appliesTo}, for
 * validation and at decision time alike. Nothing else is declared: an HTTP method, a misspelt
 * group or an action of another shape must still be in the schema, and the policies that name the
 * methods are still checked against the principal, resource and context types of {@value #GROUP}.
 * Stateless.
 */
final class GrpcMethods {

    static final String GROUP = ActionGroups.GRPC_GROUP;
    private static final ObjectMapper JSON = new ObjectMapper();

    private GrpcMethods() {}

    /**
     * The schema with the undeclared gRPC methods that {@code reading}'s policies and templates name
     * declared as above; {@code schema} itself when it has no {@value #GROUP} action with an
     * {@code appliesTo} or no method is missing.
     */
    static JsonNode declared(JsonNode schema, SourceReading reading) {
        JsonNode actions = schema.path("").path("actions");
        JsonNode group = actions.path(GROUP);
        if (!group.isObject() || !group.has("appliesTo")) {
            return schema;
        }
        Set<String> named = new TreeSet<>();
        reading.statics.forEach(s -> collect(json(s.text(), false), named));
        reading.templates.forEach(t -> collect(json(t.body(), true), named));
        named.removeIf(method -> actions.has(method) || !ActionGroups.FULL_METHOD.matcher(method).matches());
        if (named.isEmpty()) {
            return schema;
        }
        ObjectNode copy = schema.deepCopy();
        ObjectNode into = (ObjectNode) copy.path("").path("actions");
        for (String method : named) {
            ObjectNode action = into.putObject(method);
            action.putArray("memberOf").addObject().put("id", GROUP);
            action.set("appliesTo", group.get("appliesTo").deepCopy());
        }
        return copy;
    }

    /** The ids of the {@code Action} entities in a policy's JSON form (scope and literals). */
    private static void collect(JsonNode node, Set<String> out) {
        if (node == null) {
            return;
        }
        if (node.isObject() && "Action".equals(node.path("type").asText(null)) && node.path("id").isTextual()) {
            out.add(node.get("id").asText());
        }
        if (node.isContainerNode()) {
            node.forEach(child -> collect(child, out));
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
