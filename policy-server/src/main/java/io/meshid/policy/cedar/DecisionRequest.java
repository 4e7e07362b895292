package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One authorization question: may {@code principal} do {@code action} on {@code resource}, given
 * {@code context} and the {@code entities} (attributes and parents of the principal, the resource
 * and their ancestors) that the policies may read.
 *
 * <p>Context and attribute values are {@link String}, {@link Boolean}, {@link Long} or {@link
 * Integer}, {@link EntityRef}, and {@link List}s and {@code Map<String, ?>}s of those; anything
 * else is rejected here with {@link MeshidException.InvalidArgument}. Immutable (collections are
 * copied) and thread-safe.
 */
public record DecisionRequest(
        EntityRef principal,
        EntityRef action,
        EntityRef resource,
        Map<String, Object> context,
        List<EntityData> entities) {

    public DecisionRequest {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resource, "resource");
        context = ContextValues.checkedRecord("context", context == null ? Map.of() : context);
        entities = entities == null ? List.of() : List.copyOf(entities);
    }
}
