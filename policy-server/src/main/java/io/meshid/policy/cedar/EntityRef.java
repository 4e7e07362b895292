package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;

/**
 * A Cedar entity reference, {@code Type::"id"}, held as two strings so that no native parsing is
 * needed to build one. The type is a Cedar type name such as {@code Workload} or {@code
 * meshid::Namespace}; it is checked when the request is evaluated (an invalid one denies).
 * Immutable and thread-safe.
 */
public record EntityRef(String type, String id) {

    public EntityRef {
        if (type == null || type.isBlank()) {
            throw new MeshidException.InvalidArgument("entity type: " + (type == null ? "null" : "\"" + type + "\"")
                    + " (expected: a Cedar entity type name such as Workload)");
        }
        if (id == null) {
            throw new MeshidException.InvalidArgument("entity id of type " + type + ": null (expected: a string)");
        }
    }

    @Override
    public String toString() {
        return type + "::\"" + id + "\"";
    }
}
