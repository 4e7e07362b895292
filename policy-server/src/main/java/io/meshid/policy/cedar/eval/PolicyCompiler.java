package io.meshid.policy.cedar.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compiles a policy's JSON form (the EST of cedar-java's {@code Policy.toJson()}, or a template's
 * from {@code PolicySet.toJson()} with the link's slot values) into a {@link CompiledPolicy};
 * throws {@link Unsupported} when any part of it is outside the Java evaluator's subset.
 * Stateless and thread-safe.
 */
final class PolicyCompiler {

    private PolicyCompiler() {}

    static CompiledPolicy compile(String id, JsonNode est, Map<String, EntityRef> slots) {
        if (est == null || !est.isObject()) {
            throw new Unsupported("policy " + est);
        }
        String effect = est.path("effect").asText("");
        if (!effect.equals("permit") && !effect.equals("forbid")) {
            throw new Unsupported("effect " + effect);
        }
        List<Expr> conditions = new ArrayList<>();
        JsonNode clauses = est.path("conditions");
        if (!clauses.isMissingNode() && !clauses.isArray()) {
            throw new Unsupported("conditions " + clauses);
        }
        for (JsonNode clause : clauses) {
            Expr body = ExprCompiler.compile(clause.get("body"));
            switch (clause.path("kind").asText("")) {
                case "when" -> conditions.add(body);
                case "unless" -> conditions.add(new Logic.Not(body));
                default -> throw new Unsupported("condition kind " + clause.path("kind"));
            }
        }
        return new CompiledPolicy(id, effect.equals("forbid"), scope(est.get("principal"), slots, false),
                scope(est.get("action"), slots, true), scope(est.get("resource"), slots, false), List.copyOf(conditions));
    }

    private static Scope scope(JsonNode node, Map<String, EntityRef> slots, boolean action) {
        if (node == null || !node.isObject()) {
            throw new Unsupported("scope " + node);
        }
        String op = node.path("op").asText("");
        return switch (op) {
            case "All" -> Scope.ALL;
            case "==" -> new Scope.Eq(target(node, slots));
            case "in" -> action && node.has("entities") ? new Scope.InAny(entities(node.get("entities")))
                    : new Scope.In(target(node, slots));
            case "is" -> new Scope.Is(type(node), node.has("in") ? target(node.get("in"), slots) : null);
            default -> throw new Unsupported("scope operator " + op);
        };
    }

    private static EntityRef target(JsonNode node, Map<String, EntityRef> slots) {
        if (node.has("slot")) {
            EntityRef value = slots.get(node.path("slot").asText());
            if (value == null) {
                throw new Unsupported("unfilled slot " + node.get("slot"));
            }
            return value;
        }
        return ExprCompiler.entity(node.get("entity"));
    }

    private static List<EntityRef> entities(JsonNode list) {
        if (!list.isArray()) {
            throw new Unsupported("entities " + list);
        }
        List<EntityRef> out = new ArrayList<>();
        list.forEach(e -> out.add(ExprCompiler.entity(e)));
        return List.copyOf(out);
    }

    private static String type(JsonNode node) {
        JsonNode type = node.get("entity_type");
        if (type == null || !type.isTextual()) {
            throw new Unsupported("entity_type " + type);
        }
        return type.asText();
    }
}
