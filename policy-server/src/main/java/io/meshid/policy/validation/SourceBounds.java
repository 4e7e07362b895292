package io.meshid.policy.validation;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.policy.store.PolicySetSource;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The bounds of {@code meshid.policy.v1.PolicySetSource}, checked before anything is parsed: a
 * request that breaks one is refused whole (INVALID_ARGUMENT naming the field, the size and the
 * bound), it is not a validation finding. Thread-safe (stateless).
 */
public final class SourceBounds {

    /** Most bytes of the schema text (UTF-8). */
    public static final int MAX_SCHEMA_BYTES = 1 << 20;
    /** Most bytes of the static policies text (UTF-8). */
    public static final int MAX_POLICIES_BYTES = 1 << 20;
    /** Most static policies. */
    public static final int MAX_POLICIES = 2_000;
    /** Most bytes of one template body (UTF-8). */
    public static final int MAX_TEMPLATE_BYTES = 64 << 10;
    /** Most templates. */
    public static final int MAX_TEMPLATES = 200;
    /** Most template links. */
    public static final int MAX_LINKS = 10_000;
    /** Most characters of one id (template, link, {@code @id}); longer ones are validation errors up to 4x this, refused beyond. */
    public static final int MAX_ID_CHARS = 128;
    /** Most characters of a slot value (an entity UID in Cedar syntax). */
    public static final int MAX_SLOT_VALUE_CHARS = 4_096;

    private SourceBounds() {
    }

    /** Throws {@link InvalidArgument} for the first bound {@code source} breaks. */
    public static void check(PolicySetSource source) {
        bytes("source.schema", source.schema(), MAX_SCHEMA_BYTES);
        if (source.schema().isBlank()) {
            throw new InvalidArgument("source.schema: empty (expected: a Cedar schema, schema_json or schema_cedar)");
        }
        bytes("source.policies", source.policies(), MAX_POLICIES_BYTES);
        Nesting.check("source.schema", source.schema(), Nesting.MAX_SCHEMA_BRACKETS, Integer.MAX_VALUE, Integer.MAX_VALUE);
        Nesting.check("source.policies", source.policies(), Nesting.MAX_POLICY_BRACKETS, Nesting.MAX_POLICY_IFS,
                Nesting.MAX_POLICY_OPERATORS);
        count("source.templates", source.templates().size(), MAX_TEMPLATES, "templates");
        count("source.template_links", source.links().size(), MAX_LINKS, "links");
        for (int i = 0; i < source.templates().size(); i++) {
            PolicySetSource.Template t = source.templates().get(i);
            bytes("source.templates[" + i + "].body", t.body(), MAX_TEMPLATE_BYTES);
            chars("source.templates[" + i + "].id", t.id(), MAX_ID_CHARS * 4);
            Nesting.check("source.templates[" + i + "].body", t.body(), Nesting.MAX_POLICY_BRACKETS, Nesting.MAX_POLICY_IFS,
                Nesting.MAX_POLICY_OPERATORS);
        }
        for (int i = 0; i < source.links().size(); i++) {
            PolicySetSource.Link l = source.links().get(i);
            chars("source.template_links[" + i + "].link_id", l.linkId(), MAX_ID_CHARS * 4);
            chars("source.template_links[" + i + "].template_id", l.templateId(), MAX_ID_CHARS * 4);
            count("source.template_links[" + i + "].slots", l.slots().size(), 2, "slots");
            for (Map.Entry<String, String> slot : l.slots().entrySet()) {
                chars("source.template_links[" + i + "].slots key", slot.getKey(), 16);
                chars("source.template_links[" + i + "].slots[" + slot.getKey() + "]", slot.getValue(), MAX_SLOT_VALUE_CHARS);
            }
        }
        int statements = PolicyText.split(source.policies()).size();
        count("source.policies", statements, MAX_POLICIES, "policies");
    }

    private static void bytes(String field, String text, int max) {
        if (text.length() * 3L <= max) {
            return;
        }
        int size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > max) {
            throw new InvalidArgument(field + ": " + size + " bytes (expected: at most " + max + ")");
        }
    }

    private static void chars(String field, String text, int max) {
        if (text.length() > max) {
            throw new InvalidArgument(field + ": " + text.length() + " characters (expected: at most " + max + ")");
        }
    }

    private static void count(String field, int count, int max, String what) {
        if (count > max) {
            throw new InvalidArgument(field + ": " + count + " " + what + " (expected: at most " + max + ")");
        }
    }
}
