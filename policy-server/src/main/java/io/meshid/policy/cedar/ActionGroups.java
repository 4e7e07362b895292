package io.meshid.policy.cedar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The action hierarchy a version's schema declares ({@code action "DELETE" in ["write"]}), as the
 * entities a request must carry for Cedar's {@code action in Action::"write"} to follow it: for
 * each action that is a member of a group, the action's entity with its parents and the entities
 * of all its ancestor groups. Cedar takes action entities from the schema when it validates a
 * request; meshid decides without request validation, so it sends them itself. Immutable and
 * thread-safe.
 */
public final class ActionGroups {

    /** No action groups (a set without a schema, or a schema without {@code in} on actions). */
    public static final ActionGroups NONE = new ActionGroups(Map.of(), null);
    /** The action whose {@code appliesTo} undeclared gRPC methods take, and the group they join. */
    public static final String GRPC_GROUP = "grpc";
    /** A gRPC full method name: a leading slash, a package-qualified service, a slash and a method. */
    public static final Pattern FULL_METHOD = Pattern.compile(
            "/[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+/[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_CACHED_METHODS = 4096;

    private final Map<EntityRef, List<EntityData>> byAction;
    /** The {@code grpc} group's own entities when the schema declares it with an appliesTo, else null. */
    private final List<EntityData> methodGroup;
    private final Map<EntityRef, List<EntityData>> methods = new ConcurrentHashMap<>();

    private ActionGroups(Map<EntityRef, List<EntityData>> byAction, List<EntityData> methodGroup) {
        this.byAction = byAction;
        this.methodGroup = methodGroup;
    }

    /**
     * Reads the actions of every namespace of a schema in Cedar's JSON schema format ({@code
     * Schema.toJsonFormat()}): an action of namespace {@code ns} is an entity of type {@code
     * ns::Action} ({@code Action} in the empty namespace); a {@code memberOf} entry without a type
     * names an action of the same namespace.
     */
    public static ActionGroups fromSchemaJson(JsonNode schema) {
        Map<EntityRef, Set<EntityRef>> parents = new HashMap<>();
        JsonNode grpc = schema.path("").path("actions").path(GRPC_GROUP);
        boolean methodGroup = grpc.isObject() && grpc.has("appliesTo");
        schema.properties().forEach(namespace -> {
            String ns = namespace.getKey();
            String actionType = ns.isEmpty() ? "Action" : ns + "::Action";
            namespace.getValue().path("actions").properties().forEach(action -> {
                EntityRef uid = new EntityRef(actionType, action.getKey());
                Set<EntityRef> of = parents.computeIfAbsent(uid, k -> new LinkedHashSet<>());
                for (JsonNode member : action.getValue().path("memberOf")) {
                    String type = member.path("type").asText("");
                    if (type.isEmpty()) {
                        type = actionType;
                    } else if (!type.contains("::") && !ns.isEmpty()) {
                        type = ns + "::" + type;
                    }
                    of.add(new EntityRef(type, member.path("id").asText()));
                }
            });
        });
        ActionGroups groups = of(parents);
        if (!methodGroup) {
            return groups;
        }
        EntityRef group = new EntityRef("Action", GRPC_GROUP);
        List<EntityData> chain = groups.byAction.getOrDefault(group, List.of(new EntityData(group, Map.of(), Set.of())));
        return new ActionGroups(groups.byAction, chain);
    }

    /** The groups from each action's direct parents (test and corpus use). */
    public static ActionGroups of(Map<EntityRef, Set<EntityRef>> parents) {
        Map<EntityRef, List<EntityData>> byAction = new HashMap<>();
        parents.forEach((action, direct) -> {
            if (direct.isEmpty()) {
                return;
            }
            List<EntityData> chain = new ArrayList<>();
            Set<EntityRef> seen = new LinkedHashSet<>();
            Deque<EntityRef> todo = new ArrayDeque<>();
            seen.add(action);
            todo.add(action);
            while (!todo.isEmpty()) {
                EntityRef next = todo.poll();
                Set<EntityRef> up = parents.getOrDefault(next, Set.of());
                chain.add(new EntityData(next, Map.of(), up));
                for (EntityRef parent : up) {
                    if (seen.add(parent)) {
                        todo.add(parent);
                    }
                }
            }
            byAction.put(action, List.copyOf(chain));
        });
        return byAction.isEmpty() ? NONE : new ActionGroups(Map.copyOf(byAction), null);
    }

    /**
     * The entities to send with a request on {@code action}: empty when it is in no group. When the
     * schema declares the action {@value #GRPC_GROUP} with an {@code appliesTo}, every gRPC full
     * method the schema does not declare is a member of it (docs/policy.md, "gRPC methods").
     */
    public List<EntityData> entities(EntityRef action) {
        List<EntityData> known = byAction.isEmpty() ? null : byAction.get(action);
        if (known != null || methodGroup == null) {
            return known == null ? List.of() : known;
        }
        List<EntityData> method = methods.get(action);
        if (method != null) {
            return method;
        }
        if (!action.type().equals("Action") || !FULL_METHOD.matcher(action.id()).matches()) {
            return List.of();
        }
        List<EntityData> chain = new ArrayList<>(methodGroup.size() + 1);
        chain.add(new EntityData(action, Map.of(), Set.of(methodGroup.get(0).uid())));
        chain.addAll(methodGroup);
        List<EntityData> built = List.copyOf(chain);
        if (methods.size() < MAX_CACHED_METHODS) {
            methods.putIfAbsent(action, built);
        }
        return built;
    }

    /** True when no action is in a group. */
    public boolean isEmpty() {
        return byAction.isEmpty() && methodGroup == null;
    }
}
