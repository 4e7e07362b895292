package io.meshid.policy.cedar;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entity sent with a request: its attributes (values as in {@link DecisionRequest#context()})
 * and its direct parents, which make up the hierarchy that Cedar's {@code in} follows
 * transitively. Immutable and thread-safe.
 */
public record EntityData(EntityRef uid, Map<String, Object> attributes, Set<EntityRef> parents) {

    public EntityData {
        Objects.requireNonNull(uid, "uid");
        attributes = ContextValues.checkedRecord("attributes of " + uid, attributes == null ? Map.of() : attributes);
        parents = parents == null ? Set.of() : Set.copyOf(parents);
    }

    /** An entity with parents and no attributes. */
    public static EntityData of(EntityRef uid, EntityRef... parents) {
        return new EntityData(uid, Map.of(), Set.of(parents));
    }
}
