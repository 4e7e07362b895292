package io.meshid.cli.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.meshid.cli.CliException;
import io.meshid.proto.policy.v1.PolicySetSource;
import io.meshid.proto.policy.v1.PolicyTemplate;
import io.meshid.proto.policy.v1.SourceLocation;
import io.meshid.proto.policy.v1.TemplateLink;
import io.meshid.proto.policy.v1.ValidationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A policy set as a directory, the layout policy-server's seed uses: {@code schema.cedarschema}
 * (or {@code schema.json}), {@code policies.cedar}, and optionally {@code templates.cedar} (every
 * template, each with {@code @id}) and {@code links.json}. Reads it into a {@link PolicySetSource},
 * writes one back, and maps a validation error to {@code file:line:column}. Immutable once read.
 */
final class PolicyDirectory {

    static final String SCHEMA_CEDAR = "schema.cedarschema";
    static final String SCHEMA_JSON = "schema.json";
    static final String POLICIES = "policies.cedar";
    static final String TEMPLATES = "templates.cedar";
    static final String LINKS = "links.json";

    private static final Pattern ID = Pattern.compile("@id\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");

    /** Where a template starts in templates.cedar: 1-based line and column. */
    private record Start(int line, int column) {
    }

    private final Path dir;
    private final PolicySetSource source;
    private final List<Start> templateStarts;

    private PolicyDirectory(Path dir, PolicySetSource source, List<Start> templateStarts) {
        this.dir = dir;
        this.source = source;
        this.templateStarts = templateStarts;
    }

    PolicySetSource source() {
        return source;
    }

    /**
     * Reads {@code dir}.
     *
     * @throws CliException (usage) naming the file and what it should hold
     */
    static PolicyDirectory read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw CliException.usage(dir + ": not a directory (expected: a policy directory with " + SCHEMA_CEDAR + " or "
                    + SCHEMA_JSON + ", " + POLICIES + ", and optionally " + TEMPLATES + " and " + LINKS + ")");
        }
        PolicySetSource.Builder source = PolicySetSource.newBuilder();
        String cedarSchema = text(dir.resolve(SCHEMA_CEDAR), false);
        String jsonSchema = text(dir.resolve(SCHEMA_JSON), false);
        if (cedarSchema != null && jsonSchema != null) {
            throw CliException.usage(dir + ": both " + SCHEMA_CEDAR + " and " + SCHEMA_JSON + " (expected: exactly one schema)");
        }
        if (cedarSchema == null && jsonSchema == null) {
            throw CliException.usage(dir + ": no " + SCHEMA_CEDAR + " or " + SCHEMA_JSON + " (expected: the Cedar schema in one)");
        }
        if (cedarSchema != null) {
            source.setSchemaCedar(cedarSchema);
        } else {
            source.setSchemaJson(jsonSchema);
        }
        source.setPolicies(text(dir.resolve(POLICIES), true));
        List<Start> starts = new ArrayList<>();
        String templates = text(dir.resolve(TEMPLATES), false);
        if (templates != null) {
            for (CedarStatements.Statement s : CedarStatements.split(templates)) {
                Matcher id = ID.matcher(s.text());
                if (!id.find()) {
                    throw CliException.usage(dir.resolve(TEMPLATES) + ":" + s.line() + ":" + s.column()
                            + ": a template without @id (expected: @id(\"...\") before every template)");
                }
                source.addTemplates(PolicyTemplate.newBuilder().setId(id.group(1)).setBody(s.text()));
                starts.add(new Start(s.line(), s.column()));
            }
        }
        String links = text(dir.resolve(LINKS), false);
        if (links != null) {
            source.addAllTemplateLinks(links(dir.resolve(LINKS), links));
        }
        return new PolicyDirectory(dir, source.build(), starts);
    }

    /** Writes {@code source} into {@code dir} in this layout (made if missing; its files replaced). */
    static void write(Path dir, PolicySetSource source) throws IOException {
        Files.createDirectories(dir);
        for (String name : List.of(SCHEMA_CEDAR, SCHEMA_JSON, TEMPLATES, LINKS)) {
            Files.deleteIfExists(dir.resolve(name));
        }
        for (Map.Entry<String, String> file : files(source).entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
    }

    /** The files of {@code source} in this layout, by name, as {@link #write} writes them. */
    static Map<String, String> files(PolicySetSource source) {
        Map<String, String> files = new LinkedHashMap<>();
        if (source.hasSchemaJson()) {
            files.put(SCHEMA_JSON, source.getSchemaJson());
        } else {
            files.put(SCHEMA_CEDAR, source.getSchemaCedar());
        }
        files.put(POLICIES, source.getPolicies());
        if (source.getTemplatesCount() > 0) {
            StringBuilder text = new StringBuilder();
            for (PolicyTemplate t : source.getTemplatesList()) {
                String body = t.getBody().strip();
                text.append(text.length() == 0 ? "" : "\n").append(body).append(body.endsWith(";") ? "" : ";").append('\n');
            }
            files.put(TEMPLATES, text.toString());
        }
        if (source.getTemplateLinksCount() > 0) {
            JsonArray links = new JsonArray();
            for (TemplateLink l : source.getTemplateLinksList()) {
                JsonObject o = new JsonObject();
                o.addProperty("template_id", l.getTemplateId());
                o.addProperty("link_id", l.getLinkId());
                JsonObject slots = new JsonObject();
                new java.util.TreeMap<>(l.getSlotsMap()).forEach(slots::addProperty);
                o.add("slots", slots);
                links.add(o);
            }
            files.put(LINKS, new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(links) + "\n");
        }
        return files;
    }

    /** {@code error} as {@code file:line:column: message [code]}, its position mapped into this directory's files. */
    String describe(ValidationError error) {
        String file;
        int line = 0;
        int column = 0;
        SourceLocation at = error.hasLocation() ? error.getLocation() : null;
        switch (error.getPart()) {
            case POLICY_SET_PART_SCHEMA -> file = source.hasSchemaJson() ? SCHEMA_JSON : SCHEMA_CEDAR;
            case POLICY_SET_PART_POLICIES -> file = POLICIES;
            case POLICY_SET_PART_TEMPLATE -> {
                file = TEMPLATES;
                if (at != null && error.getIndex() < templateStarts.size()) {
                    Start start = templateStarts.get(error.getIndex());
                    line = start.line() + (int) at.getLine() - 1;
                    column = at.getLine() <= 1 ? start.column() + (int) at.getColumn() - 1 : (int) at.getColumn();
                    at = null;
                }
            }
            case POLICY_SET_PART_TEMPLATE_LINK -> file = LINKS;
            default -> file = dir.toString();
        }
        if (at != null) {
            line = (int) at.getLine();
            column = (int) at.getColumn();
        }
        Path path = file.equals(dir.toString()) ? dir : dir.resolve(file);
        String where = line > 0 ? path + ":" + line + ":" + Math.max(column, 1) : path.toString();
        String id = error.getPolicyId().isEmpty() ? "" : " (" + error.getPolicyId() + ")";
        return where + ": " + error.getMessage().replace('\n', ' ') + id + " [" + error.getCode() + "]";
    }

    private static List<TemplateLink> links(Path file, String text) {
        String expected = " (expected: [{\"template_id\": ..., \"link_id\": ..., \"slots\": {\"?principal\": ..., \"?resource\": ...}}])";
        List<TemplateLink> links = new ArrayList<>();
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (!parsed.isJsonArray()) {
                throw CliException.usage(file + ": not a JSON array" + expected);
            }
            int i = 0;
            for (JsonElement e : parsed.getAsJsonArray()) {
                if (!e.isJsonObject() || !e.getAsJsonObject().has("template_id") || !e.getAsJsonObject().has("link_id")) {
                    throw CliException.usage(file + ": link " + i + " lacks template_id or link_id" + expected);
                }
                JsonObject o = e.getAsJsonObject();
                TemplateLink.Builder link = TemplateLink.newBuilder().setTemplateId(o.get("template_id").getAsString())
                        .setLinkId(o.get("link_id").getAsString());
                if (o.has("slots")) {
                    if (!o.get("slots").isJsonObject()) {
                        throw CliException.usage(file + ": link " + i + ": slots is not an object" + expected);
                    }
                    o.getAsJsonObject("slots").entrySet().forEach(s -> link.putSlots(s.getKey(), s.getValue().getAsString()));
                }
                links.add(link.build());
                i++;
            }
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw CliException.usage(file + jsonWhere(e) + ": not valid JSON: " + jsonReason(e) + expected, e);
        }
        return links;
    }

    private static final java.util.regex.Pattern JSON_AT = java.util.regex.Pattern.compile("at line (\\d+) column (\\d+)");

    /** {@code :line:column} of a JSON error from Gson's message ("... at line 2 column 1 path $[1]"), or nothing. */
    private static String jsonWhere(Exception e) {
        java.util.regex.Matcher m = JSON_AT.matcher(String.valueOf(e.getMessage()));
        return m.find() ? ":" + m.group(1) + ":" + m.group(2) : "";
    }

    /** Gson's reason without its Java exception name, position and JSON path. */
    private static String jsonReason(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String message = String.valueOf(cause.getMessage());
        int at = message.indexOf(" at line ");
        String reason = at > 0 ? message.substring(0, at) : message;
        int see = reason.indexOf("\nSee ");
        return (see > 0 ? reason.substring(0, see) : reason).strip();
    }

    private static String text(Path file, boolean required) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw CliException.usage(file + ": missing (expected: the static policies in Cedar, each with @id)", e);
            }
            return null;
        } catch (IOException e) {
            throw CliException.usage(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }
}
