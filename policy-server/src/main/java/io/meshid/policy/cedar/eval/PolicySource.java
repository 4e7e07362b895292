package io.meshid.policy.cedar.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshid.policy.cedar.EntityRef;
import java.util.Map;
import java.util.Objects;

/**
 * A policy as the Java evaluator receives it: its id, its Cedar JSON form (EST; {@code null} when
 * cedar-java could not give one) and, for a template link, the values of the template's slots
 * ({@code ?principal}, {@code ?resource}; empty for a static policy). Immutable.
 */
public record PolicySource(String id, JsonNode est, Map<String, EntityRef> slots) {

    /** Policies whose JSON form nests deeper are left to the native engine, so that evaluation cannot overflow the stack. */
    static final int MAX_DEPTH = 512;

    public PolicySource {
        Objects.requireNonNull(id, "id");
        slots = Map.copyOf(slots);
    }

    /** The compiled policy, or {@code null} when it uses anything outside the supported subset. */
    CompiledPolicy compile() {
        if (est == null || depth(est, 0) > MAX_DEPTH) {
            return null;
        }
        try {
            return PolicyCompiler.compile(id, est, slots);
        } catch (Unsupported e) {
            return null;
        }
    }

    private static int depth(JsonNode node, int at) {
        if (at > MAX_DEPTH) {
            return at;
        }
        int deepest = at;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child, at + 1));
        }
        return deepest;
    }
}
