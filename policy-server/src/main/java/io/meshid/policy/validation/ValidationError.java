package io.meshid.policy.validation;

import java.util.Objects;
import java.util.Optional;

/**
 * One problem found in a policy set: the part of the source it is in (with the position of the
 * template or link), the id of the policy concerned (empty for the schema or an unreadable id),
 * where in that part's text, a machine-readable code and a message for people. Mirrors
 * {@code meshid.policy.v1.ValidationError}. Immutable.
 */
public record ValidationError(Part part, int index, String policyId, Optional<Location> location, String code,
        String message) {

    /** Which part of the source. */
    public enum Part {
        /** Not tied to one part. */
        UNSPECIFIED,
        /** The schema. */
        SCHEMA,
        /** The static policies text. */
        POLICIES,
        /** One template, at {@link #index}. */
        TEMPLATE,
        /** One template link, at {@link #index}. */
        TEMPLATE_LINK
    }

    /**
     * A position in a text: line and column from 1 (columns in code points), byte offset in UTF-8
     * from 0, and the length of the span in bytes (0 when only a point is known).
     */
    public record Location(int line, int column, int offset, int length) {
    }

    public ValidationError {
        Objects.requireNonNull(part, "part");
        Objects.requireNonNull(policyId, "policyId");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** {@code <policy id>:<line>:<column>: <message>}, or {@code <policy id>: <message>} without a position. */
    public String describe() {
        return location.map(l -> policyId + ":" + l.line() + ":" + l.column() + ": " + message)
                .orElse(policyId + ": " + message);
    }

    /** The request field it is about: {@code source.policies}, {@code source.templates[2]}, ... */
    public String field() {
        return switch (part) {
            case SCHEMA -> "source.schema";
            case POLICIES -> "source.policies";
            case TEMPLATE -> "source.templates[" + index + "]";
            case TEMPLATE_LINK -> "source.template_links[" + index + "]";
            case UNSPECIFIED -> "source";
        };
    }
}
