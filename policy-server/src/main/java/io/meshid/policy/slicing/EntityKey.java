package io.meshid.policy.slicing;

import java.util.Objects;

/**
 * An entity as the scope index sees it: a Cedar entity type name and an id, compared as plain
 * strings. Immutable and thread-safe.
 */
public record EntityKey(String type, String id) {

    public EntityKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
    }
}
