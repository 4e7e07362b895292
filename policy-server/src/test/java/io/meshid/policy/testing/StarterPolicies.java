package io.meshid.policy.testing;

import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.cedar.TemplateLinkSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a policy directory in the seed format (policies.cedar and templates.cedar with an @id on
 * each policy, links.json) from the test class path, for tests of the decision side. The store's
 * own seeding reads the same files in production.
 */
public final class StarterPolicies {

    public static final String STARTER = "policies/starter";

    private StarterPolicies() {}

    public static String text(String folder, String file) {
        try (InputStream in = StarterPolicies.class.getClassLoader().getResourceAsStream(folder + "/" + file)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, String> policies(String folder) throws Exception {
        return byId(PolicySet.parsePolicies(text(folder, "policies.cedar")).policies);
    }

    public static Map<String, String> templates(String folder) throws Exception {
        String text = text(folder, "templates.cedar");
        return text == null ? Map.of() : byId(PolicySet.parsePolicies(text).templates);
    }

    public static List<TemplateLinkSource> links(String folder) throws Exception {
        String text = text(folder, "links.json");
        List<TemplateLinkSource> links = new ArrayList<>();
        if (text == null) {
            return links;
        }
        for (JsonNode link : new ObjectMapper().readTree(text)) {
            JsonNode slots = link.path("slots");
            links.add(new TemplateLinkSource(link.path("link_id").asText(), link.path("template_id").asText(),
                    ref(slots.path("?principal").asText(null)), ref(slots.path("?resource").asText(null))));
        }
        return links;
    }

    public static CompiledPolicySet compile(String folder) throws Exception {
        return CompiledPolicySet.compile(policies(folder), templates(folder), links(folder));
    }

    /** {@code Type::"id"} as an EntityRef (ids without escaped quotes). */
    public static EntityRef ref(String text) {
        if (text == null) {
            return null;
        }
        int sep = text.indexOf("::\"");
        return new EntityRef(text.substring(0, sep), text.substring(sep + 3, text.length() - 1));
    }

    private static Map<String, String> byId(Iterable<Policy> policies) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (Policy policy : policies) {
            String id = policy.getAnnotation("id");
            if (id == null || out.put(id, policy.getSource()) != null) {
                throw new IllegalStateException("policy without a unique @id: " + policy.getSource());
            }
        }
        return out;
    }
}
