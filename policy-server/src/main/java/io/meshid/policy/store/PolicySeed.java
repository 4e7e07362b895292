package io.meshid.policy.store;

import com.cedarpolicy.model.policy.Policy;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.PolicyConfig;
import io.meshid.policy.validation.PolicyText;
import io.meshid.policy.validation.ValidationError;
import io.meshid.policy.validation.ValidationReport;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed of the policy store ({@code meshid.policy.seed-directory}, a folder or
 * {@code classpath:<folder>}): {@code schema.cedarschema} or {@code schema.json},
 * {@code policies.cedar}, and optionally {@code templates.cedar} and {@code links.json}. When
 * {@code meshid.trust-domain} has no version yet, the seed is validated and stored as version 1,
 * written by {@code spiffe://<trust domain>/meshid/policy-server}. An unreadable or invalid seed
 * fails start-up with one line naming the file and the first errors. Thread-safe.
 */
@Singleton
public final class PolicySeed {

    private static final Logger LOG = LoggerFactory.getLogger(PolicySeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = PolicyConfig.PREFIX + ".seed-directory";

    private final PolicyStore store;
    private final String directory;
    private final TrustDomain domain;

    PolicySeed(PolicyStore store, PolicyConfig config, MeshidConfig meshid) {
        this.store = store;
        this.directory = config.getSeedDirectory();
        this.domain = meshid.getTrustDomain();
    }

    /** Stores the seed as version 1 unless there is no seed or the trust domain has versions. */
    public void applyIfEmpty() {
        if (directory.isEmpty()) {
            return;
        }
        if (store.heads(domain).latest() > 0) {
            LOG.info("policy seed {}: not applied, {} has versions already", directory, domain);
            return;
        }
        PolicySetSource source = read();
        ValidationReport report = store.validate(source);
        if (!report.valid()) {
            String schemaFile = source.schemaFormat() == PolicySetSource.SchemaFormat.CEDAR ? "schema.cedarschema" : "schema.json";
            throw new ConfigurationException(KEY + ": " + directory + " is not a valid policy set, " + report.errors().size()
                    + " error(s): " + report.errors().stream().limit(3)
                            .map(e -> file(e.part(), schemaFile) + " " + e.describe().replace('\n', ' ')).collect(Collectors.joining("; ")));
        }
        try {
            VersionInfo v = store.put(new PolicyStore.PutParams(domain, source, "seed from " + directory,
                    SpiffeId.parse(domain.idString() + "/meshid/policy-server"), OptionalLong.of(0), false)).version();
            LOG.info("policy seed {}: stored as version {} of {}", directory, v.version(), domain);
        } catch (VersionMismatchException e) {
            LOG.info("policy seed {}: another replica stored a version of {} first", directory, domain);
        }
    }

    private PolicySetSource read() {
        Optional<String> cedarSchema = text("schema.cedarschema");
        Optional<String> jsonSchema = cedarSchema.isPresent() ? Optional.empty() : text("schema.json");
        if (cedarSchema.isEmpty() && jsonSchema.isEmpty()) {
            throw new ConfigurationException(KEY + ": " + directory + " has neither schema.cedarschema nor schema.json"
                    + " (expected: a Cedar schema in one of them)");
        }
        String policies = text("policies.cedar").orElseThrow(() -> new ConfigurationException(KEY + ": " + directory
                + "/policies.cedar: missing (expected: the static policies, each with @id)"));
        List<PolicySetSource.Template> templates = new ArrayList<>();
        for (PolicyText.Statement s : PolicyText.split(text("templates.cedar").orElse(""))) {
            templates.add(new PolicySetSource.Template(templateId(s), s.text()));
        }
        List<PolicySetSource.Link> links = new ArrayList<>();
        Optional<String> linksJson = text("links.json");
        if (linksJson.isPresent()) {
            try {
                List<Map<String, Object>> rows = JSON.readValue(linksJson.get(), new TypeReference<>() {});
                for (Map<String, Object> row : rows) {
                    @SuppressWarnings("unchecked")
                    Map<String, String> slots = (Map<String, String>) row.getOrDefault("slots", Map.of());
                    links.add(new PolicySetSource.Link(String.valueOf(row.get("template_id")), String.valueOf(row.get("link_id")),
                            slots));
                }
            } catch (IOException | ClassCastException | NullPointerException e) {
                throw new ConfigurationException(KEY + ": " + directory + "/links.json: " + e.getMessage()
                        + " (expected: [{\"template_id\": ..., \"link_id\": ..., \"slots\": {\"?principal\": ...}}])");
            }
        }
        return new PolicySetSource(cedarSchema.isPresent() ? PolicySetSource.SchemaFormat.CEDAR : PolicySetSource.SchemaFormat.JSON,
                cedarSchema.orElseGet(jsonSchema::get), policies, templates, links);
    }

    private String templateId(PolicyText.Statement s) {
        String id;
        try {
            id = Policy.parsePolicyTemplate(s.text()).getAnnotation("id");
        } catch (Exception e) {
            throw new ConfigurationException(KEY + ": " + directory + "/templates.cedar: " + e.getMessage()
                    + " (expected: Cedar templates, each with @id)");
        }
        if (id == null) {
            throw new ConfigurationException(KEY + ": " + directory + "/templates.cedar: a template at character " + s.start()
                    + " has no @id (expected: @id(\"...\") before every template)");
        }
        return id;
    }

    private static String file(ValidationError.Part part, String schemaFile) {
        return switch (part) {
            case SCHEMA -> schemaFile;
            case POLICIES -> "policies.cedar";
            case TEMPLATE -> "templates.cedar";
            case TEMPLATE_LINK -> "links.json";
            case UNSPECIFIED -> "the seed";
        };
    }

    private Optional<String> text(String name) {
        try {
            if (directory.startsWith("classpath:")) {
                String resource = directory.substring("classpath:".length()).replaceAll("^/+|/+$", "") + "/" + name;
                try (InputStream in = PolicySeed.class.getClassLoader().getResourceAsStream(resource)) {
                    return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            Path path = Path.of(directory).resolve(name);
            return Files.isRegularFile(path) ? Optional.of(Files.readString(path)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException(KEY + ": " + directory + "/" + name + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
