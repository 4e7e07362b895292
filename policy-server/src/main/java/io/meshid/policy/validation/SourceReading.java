package io.meshid.policy.validation;

import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.value.EntityUID;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.store.PolicySetSource;
import io.meshid.policy.validation.ValidationError.Part;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The structural reading of a policy set, without the schema: every static policy parsed on its
 * own with its {@code @id}, every template with its slots, every link with its template and slot
 * values, ids unique across the three. Collects an error for every problem and keeps the items
 * that passed, with their positions, so that Cedar's later findings map back to the source.
 * Not thread-safe; one per validation.
 */
final class SourceReading {

    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]+");
    private static final Pattern ID_ANNOTATION = Pattern.compile("@id\\s*\\(\\s*\"([^\"\\\\]{0,200})\"");
    private static final Set<String> SLOTS = Set.of("?principal", "?resource");
    private static final ObjectMapper JSON = new ObjectMapper();

    record StaticItem(String id, String text, int byteStart) {
    }

    record TemplateItem(int index, String id, String body, Set<String> slots) {
    }

    record LinkItem(int index, String id, String templateId, Map<String, EntityUID> values) {
    }

    final List<ValidationError> errors = new ArrayList<>();
    final List<StaticItem> statics = new ArrayList<>();
    final List<TemplateItem> templates = new ArrayList<>();
    final List<LinkItem> links = new ArrayList<>();
    final TextPositions policyPositions;
    private final Map<String, String> firstUse = new HashMap<>();

    private SourceReading(String policiesText) {
        this.policyPositions = new TextPositions(policiesText);
    }

    static SourceReading of(PolicySetSource source) {
        SourceReading r = new SourceReading(source.policies());
        for (PolicyText.Statement s : PolicyText.split(source.policies())) {
            r.readStatic(s);
        }
        for (int i = 0; i < source.templates().size(); i++) {
            r.readTemplate(i, source.templates().get(i));
        }
        Map<String, PolicySetSource.Template> templatesById = new HashMap<>();
        source.templates().forEach(t -> templatesById.putIfAbsent(t.id(), t));
        for (int i = 0; i < source.links().size(); i++) {
            r.readLink(i, source.links().get(i), templatesById);
        }
        return r;
    }

    /** The static policies that passed, id to text, in source order. */
    Map<String, String> staticTexts() {
        Map<String, String> out = new LinkedHashMap<>();
        statics.forEach(s -> out.put(s.id(), s.text()));
        return out;
    }

    /** The templates that passed, id to body, in source order. */
    Map<String, String> templateBodies() {
        Map<String, String> out = new LinkedHashMap<>();
        templates.forEach(t -> out.put(t.id(), t.body()));
        return out;
    }

    static EntityRef ref(EntityUID uid) {
        return new EntityRef(uid.getType().toString(), uid.getId().toString());
    }

    private void readStatic(PolicyText.Statement s) {
        int byteStart = policyPositions.byteOffset(s.start());
        int byteEnd = byteStart + s.text().getBytes(StandardCharsets.UTF_8).length;
        Optional<ValidationError.Location> where = Optional.of(policyPositions.location(byteStart, byteEnd));
        String guessedId = guessId(s.text());
        Policy parsed;
        try {
            parsed = Policy.parseStaticPolicy(s.text());
        } catch (Exception e) {
            Optional<ParseErrors.Span> at = ParseErrors.inPolicy(s.text());
            Optional<ValidationError.Location> precise = at.map(a -> policyPositions.location(byteStart + a.start(), byteStart + a.end()));
            errors.add(new ValidationError(Part.POLICIES, 0, guessedId, precise.or(() -> where), "parse_error", cedarMessage(e)
                    + expected(at, "one Cedar static policy ending in ';'")));
            return;
        }
        String id;
        try {
            id = parsed.getAnnotation("id");
        } catch (Exception e) {
            id = null;
        }
        if (id == null) {
            errors.add(new ValidationError(Part.POLICIES, 0, "", where, "missing_id",
                    "policy without @id (expected: @id(\"...\") with an id unique in the set before every policy)"));
            return;
        }
        String location = "line " + where.get().line();
        if (checkId(Part.POLICIES, 0, id, "@id", where, location)) {
            statics.add(new StaticItem(id, s.text(), byteStart));
        }
    }

    private void readTemplate(int index, PolicySetSource.Template t) {
        if (!checkId(Part.TEMPLATE, index, t.id(), "id", Optional.empty(), "source.templates[" + index + "]")) {
            return;
        }
        TextPositions positions = new TextPositions(t.body());
        Optional<ValidationError.Location> whole = Optional.of(positions.location(0, t.body().getBytes(StandardCharsets.UTF_8).length));
        Set<String> slots;
        try {
            Policy parsed = Policy.parsePolicyTemplate(t.body());
            slots = slotsOf(new Policy(parsed.policySrc, t.id()));
        } catch (Exception e) {
            Optional<ParseErrors.Span> at = ParseErrors.inTemplate(t.body());
            Optional<ValidationError.Location> precise = at.map(a -> positions.location(a.start(), a.end()));
            errors.add(new ValidationError(Part.TEMPLATE, index, t.id(), precise.or(() -> whole), "parse_error", cedarMessage(e)
                    + expected(at, "one Cedar policy with ?principal and/or ?resource slots")));
            return;
        }
        templates.add(new TemplateItem(index, t.id(), t.body(), slots));
    }

    private void readLink(int index, PolicySetSource.Link l, Map<String, PolicySetSource.Template> templatesById) {
        if (!checkId(Part.TEMPLATE_LINK, index, l.linkId(), "link_id", Optional.empty(), "source.template_links[" + index + "]")) {
            return;
        }
        if (!templatesById.containsKey(l.templateId())) {
            errors.add(new ValidationError(Part.TEMPLATE_LINK, index, l.linkId(), Optional.empty(), "unknown_template",
                    "template_id \"" + printable(l.templateId()) + "\": no such template (expected: one of "
                            + new TreeSet<>(templatesById.keySet()) + ")"));
            return;
        }
        Optional<TemplateItem> template = templates.stream().filter(t -> t.id().equals(l.templateId())).findFirst();
        if (template.isEmpty()) {
            return;
        }
        Set<String> wanted = template.get().slots();
        boolean ok = true;
        for (String slot : new TreeSet<>(wanted)) {
            if (!l.slots().containsKey(slot)) {
                ok = fail(index, l.linkId(), "unfilled_slot", "slot " + slot + ": not filled (expected: every slot of template "
                        + l.templateId() + " filled: " + new TreeSet<>(wanted) + ")");
            }
        }
        Map<String, EntityUID> values = new HashMap<>();
        for (Map.Entry<String, String> slot : new java.util.TreeMap<>(l.slots()).entrySet()) {
            if (!SLOTS.contains(slot.getKey()) || !wanted.contains(slot.getKey())) {
                ok = fail(index, l.linkId(), "unfilled_slot", "slot " + printable(slot.getKey()) + ": template " + l.templateId()
                        + " has no such slot (expected: only its slots " + new TreeSet<>(wanted) + ")");
                continue;
            }
            Optional<EntityUID> uid;
            try {
                uid = EntityUID.parse(slot.getValue());
            } catch (RuntimeException e) {
                uid = Optional.empty();
            }
            if (uid.isEmpty()) {
                ok = fail(index, l.linkId(), "parse_error", "slot " + slot.getKey() + ": '" + printable(slot.getValue())
                        + "' (expected: an entity UID in Cedar syntax, such as Workload::\"spiffe://example.org/ns/a/sa/b\")");
                continue;
            }
            values.put(slot.getKey(), uid.get());
        }
        if (ok) {
            links.add(new LinkItem(index, l.linkId(), l.templateId(), values));
        }
    }

    private boolean fail(int index, String linkId, String code, String message) {
        errors.add(new ValidationError(Part.TEMPLATE_LINK, index, linkId, Optional.empty(), code, message));
        return false;
    }

    /** Checks an id's characters, length and uniqueness; records an error and returns false when it fails. */
    private boolean checkId(Part part, int index, String id, String what, Optional<ValidationError.Location> where, String place) {
        if (id.isEmpty()) {
            errors.add(new ValidationError(part, index, "", where, "missing_id",
                    what + ": empty (expected: 1 to " + SourceBounds.MAX_ID_CHARS + " letters, digits, '.', '_', ':' or '-')"));
            return false;
        }
        if (id.length() > SourceBounds.MAX_ID_CHARS) {
            errors.add(new ValidationError(part, index, "", where, "limit_exceeded", what + ": " + id.length()
                    + " characters (expected: at most " + SourceBounds.MAX_ID_CHARS + ")"));
            return false;
        }
        if (!ID.matcher(id).matches()) {
            errors.add(new ValidationError(part, index, "", where, "validation_error", what + " \"" + printable(id)
                    + "\": (expected: only letters, digits, '.', '_', ':' and '-')"));
            return false;
        }
        String first = firstUse.putIfAbsent(id, place);
        if (first != null) {
            errors.add(new ValidationError(part, index, id, where, "duplicate_id", "id \"" + id + "\" is used twice (expected: ids"
                    + " unique among policies, templates and links; first used at " + first + ")"));
            return false;
        }
        return true;
    }

    private static Set<String> slotsOf(Policy template) throws Exception {
        Set<Policy> one = new HashSet<>(Set.of(template));
        JsonNode json = JSON.readTree(new PolicySet(new HashSet<>(), one, new ArrayList<>()).toJson());
        Set<String> slots = new HashSet<>();
        json.path("templates").path(template.policyID).findValues("slot").forEach(v -> slots.add(v.asText()));
        return slots;
    }

    private static String guessId(String text) {
        Matcher m = ID_ANNOTATION.matcher(text);
        return m.find() && ID.matcher(m.group(1)).matches() ? m.group(1) : "";
    }

    /** Cedar's message without the JNI wrapping. */
    /** " (expected: …)": what Cedar's parser expected where it stopped, else {@code otherwise}. */
    static String expected(Optional<ParseErrors.Span> at, String otherwise) {
        String cedar = at.map(ParseErrors.Span::expected).orElse("");
        return cedar.startsWith("expected ") ? " (expected here: " + cedar.substring("expected ".length()) + "; in all: " + otherwise + ")"
                : " (expected: " + otherwise + ")";
    }

    static String cedarMessage(Exception e) {
        String message = String.valueOf(e.getMessage());
        for (String prefix : List.of("Internal error: ", "Internal JNI Error: ")) {
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        return message.strip();
    }

    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        StringBuilder out = new StringBuilder();
        cut.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
