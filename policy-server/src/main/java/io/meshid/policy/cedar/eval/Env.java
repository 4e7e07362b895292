package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request that expressions are evaluated against: the four variables and the entity store
 * (the request's entities, with {@code in} following parents transitively). The request must have
 * passed {@link RequestCheck}: canonical type names, no duplicate entities, no cycles. One per
 * decision, used by one thread.
 */
final class Env {

    private static final int LINEAR_LOOKUP = 8;

    private final DecisionRequest request;
    private Object context;
    private Map<EntityRef, EntityData> byUid;

    Env(DecisionRequest request) {
        this.request = request;
    }

    EntityRef principal() {
        return request.principal();
    }

    EntityRef action() {
        return request.action();
    }

    EntityRef resource() {
        return request.resource();
    }

    Object context() {
        if (context == null) {
            context = Values.cedar(request.context());
        }
        return context;
    }

    /** The entity's data, or null when the request does not hold it. */
    EntityData entity(EntityRef uid) {
        List<EntityData> entities = request.entities();
        if (entities.size() <= LINEAR_LOOKUP) {
            for (int i = 0; i < entities.size(); i++) {
                EntityData data = entities.get(i);
                if (data.uid().equals(uid)) {
                    return data;
                }
            }
            return null;
        }
        if (byUid == null) {
            byUid = new HashMap<>(entities.size() * 2);
            entities.forEach(e -> byUid.put(e.uid(), e));
        }
        return byUid.get(uid);
    }

    /** Cedar's {@code child in ancestor} for two entities: equal, or an ancestor through parents. */
    boolean in(EntityRef child, EntityRef ancestor) {
        if (child.equals(ancestor)) {
            return true;
        }
        EntityData start = entity(child);
        if (start == null || start.parents().isEmpty()) {
            return false;
        }
        if (start.parents().contains(ancestor)) {
            return true;
        }
        Set<EntityRef> seen = new HashSet<>(start.parents());
        ArrayDeque<EntityRef> todo = new ArrayDeque<>(start.parents());
        while (!todo.isEmpty()) {
            EntityData next = entity(todo.pop());
            if (next == null) {
                continue;
            }
            for (EntityRef parent : next.parents()) {
                if (parent.equals(ancestor)) {
                    return true;
                }
                if (seen.add(parent)) {
                    todo.push(parent);
                }
            }
        }
        return false;
    }

    /** Cedar's {@code target.name}: an entity's attribute or a record's field. */
    Object attribute(Object target, String name) {
        if (target instanceof EntityRef uid) {
            EntityData data = entity(uid);
            if (data == null) {
                throw new EvalError("entity `" + Values.display(uid) + "` does not exist");
            }
            Object value = data.attributes().get(name);
            if (value == null) {
                throw new EvalError("`" + Values.display(uid) + "` does not have the attribute `" + name + "`");
            }
            return Values.cedar(value);
        }
        if (target instanceof Map<?, ?> record) {
            Object value = record.get(name);
            if (value == null) {
                throw new EvalError("record does not have the attribute `" + name + "`");
            }
            return value;
        }
        throw EvalError.type("one of [record, (entity of type `any_entity_type`)]", target);
    }

    /** Cedar's {@code target has name}; false for an entity the request does not hold. */
    boolean has(Object target, String name) {
        if (target instanceof EntityRef uid) {
            EntityData data = entity(uid);
            return data != null && data.attributes().containsKey(name);
        }
        if (target instanceof Map<?, ?> record) {
            return record.containsKey(name);
        }
        throw EvalError.type("one of [record, (entity of type `any_entity_type`)]", target);
    }
}
