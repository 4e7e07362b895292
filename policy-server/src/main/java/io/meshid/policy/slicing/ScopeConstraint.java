package io.meshid.policy.slicing;

import java.util.Objects;

/**
 * What a policy's scope says about one request variable (principal or resource), reduced to what
 * the index can use. {@code is} without {@code in} reads as {@link Any}: the type test still runs
 * in Cedar, the index only never excludes on it. Immutable and thread-safe.
 */
public sealed interface ScopeConstraint {

    /** No constraint the index can use: the policy may match any entity. */
    record Any() implements ScopeConstraint {}

    /** {@code == entity}: matches only that entity. */
    record Eq(EntityKey entity) implements ScopeConstraint {
        public Eq {
            Objects.requireNonNull(entity, "entity");
        }
    }

    /** {@code in entity} (also {@code is T in entity}): matches that entity and its descendants. */
    record In(EntityKey entity) implements ScopeConstraint {
        public In {
            Objects.requireNonNull(entity, "entity");
        }
    }

    /** The constraint that excludes nothing. */
    ScopeConstraint ANY = new Any();
}
