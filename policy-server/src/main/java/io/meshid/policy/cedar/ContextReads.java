package io.meshid.policy.cedar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which top-level fields of the Cedar {@code context} a group of policies can read: the
 * attributes named in {@code context.x} and {@code context has x}, or the whole context when a
 * policy uses {@code context} in any other way (or its JSON form could not be read). Decisions
 * of those policies depend on no other context field, which is what the decision cache keys on.
 * Immutable and thread-safe.
 */
public final class ContextReads {

    /** Reads nothing of the context. */
    public static final ContextReads NONE = new ContextReads(false, Set.of());
    /** May read any of it. */
    public static final ContextReads WHOLE = new ContextReads(true, Set.of());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean whole;
    private final Set<String> fields;

    private ContextReads(boolean whole, Set<String> fields) {
        this.whole = whole;
        this.fields = fields;
    }

    /** Reads exactly these fields (none of them whole). */
    public static ContextReads of(Set<String> fields) {
        return fields.isEmpty() ? NONE : new ContextReads(false, Set.copyOf(new TreeSet<>(fields)));
    }

    /** What the policy (or template) whose Cedar JSON form is {@code estJson} reads; never throws. */
    static ContextReads ofPolicyJson(String estJson) {
        try {
            Set<String> fields = new TreeSet<>();
            return walk(JSON.readTree(estJson).path("conditions"), fields) ? WHOLE : of(fields);
        } catch (Exception e) {
            return WHOLE;
        }
    }

    /** True when a policy may read any context field: key on the whole context. */
    public boolean whole() {
        return whole;
    }

    /** The fields read, when not {@link #whole()}. */
    public Set<String> fields() {
        return fields;
    }

    /** True when {@code field} may be read. */
    public boolean reads(String field) {
        return whole || fields.contains(field);
    }

    /** What this group and {@code other} read together. */
    public ContextReads and(ContextReads other) {
        if (whole || other.whole) {
            return WHOLE;
        }
        if (other.fields.isEmpty() || fields.containsAll(other.fields)) {
            return this;
        }
        if (fields.isEmpty()) {
            return other;
        }
        Set<String> both = new TreeSet<>(fields);
        both.addAll(other.fields);
        return of(both);
    }

    /** Walks an EST expression; true when it uses {@code context} other than by naming a field. */
    private static boolean walk(JsonNode node, Set<String> fields) {
        if (node == null) {
            return false;
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                if (walk(child, fields)) {
                    return true;
                }
            }
            return false;
        }
        if (!node.isObject()) {
            return false;
        }
        if (isContext(node)) {
            return true;
        }
        for (String op : new String[] {".", "has"}) {
            JsonNode access = node.get(op);
            if (access != null && access.isObject() && isContext(access.get("left"))) {
                JsonNode attr = access.get("attr");
                if (attr == null || !attr.isTextual()) {
                    return true;
                }
                fields.add(attr.asText());
                return false;
            }
        }
        Iterator<Map.Entry<String, JsonNode>> children = node.properties().iterator();
        while (children.hasNext()) {
            if (walk(children.next().getValue(), fields)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isContext(JsonNode node) {
        return node != null && node.isObject() && node.size() == 1 && "context".equals(node.path("Var").asText(null));
    }

    @Override
    public String toString() {
        return whole ? "ContextReads[whole]" : "ContextReads" + fields;
    }
}
