package io.meshid.policy.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines a policy set, as its authors wrote it: a Cedar schema (JSON or Cedar
 * syntax), the static policies as one Cedar text (each policy with an {@code @id}), templates and
 * template links. Stored exactly as put; {@link io.meshid.policy.validation.PolicySetValidator}
 * says whether it is valid. Immutable and thread-safe.
 */
public record PolicySetSource(SchemaFormat schemaFormat, String schema, String policies, List<Template> templates,
        List<Link> links) {

    /** The syntax of the schema text. */
    public enum SchemaFormat {
        /** Cedar's JSON schema format. */
        JSON,
        /** Cedar's human-readable schema syntax. */
        CEDAR
    }

    /** A template: a policy with {@code ?principal} and/or {@code ?resource} slots. */
    public record Template(String id, String body) {
        public Template {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(body, "body");
        }
    }

    /** A template link: slot name ({@code ?principal}, {@code ?resource}) to entity UID in Cedar syntax. */
    public record Link(String templateId, String linkId, Map<String, String> slots) {
        public Link {
            Objects.requireNonNull(templateId, "templateId");
            Objects.requireNonNull(linkId, "linkId");
            slots = Map.copyOf(slots);
        }
    }

    public PolicySetSource {
        Objects.requireNonNull(schemaFormat, "schemaFormat");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(policies, "policies");
        templates = List.copyOf(templates);
        links = List.copyOf(links);
    }
}
