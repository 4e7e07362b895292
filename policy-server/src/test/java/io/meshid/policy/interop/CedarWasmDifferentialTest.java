package io.meshid.policy.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.policy.bench.GeneratedPolicies;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.Decision;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EngineKind;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.cedar.PolicyEngine;
import io.meshid.policy.cedar.TemplateLinkSource;
import io.meshid.policy.mapping.CedarRequests;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.StarterPolicies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * policy-server's decisions against Cedar in another runtime: the same policies, entities and
 * requests, written as JSON, decided by {@code @cedar-policy/cedar-wasm} under Node
 * (src/test/node/decide.mjs). Decision, determining policies and failed policy ids must agree
 * with meshid's sliced evaluation, native and Java. Skipped with an install hint when node or the
 * package is missing, except under {@code CI=true}, where that fails.
 */
@RequiresCommand(value = "node", install = "apt-get install nodejs npm")
class CedarWasmDifferentialTest {

    static final Path NODE_DIR = Path.of("src/test/node");
    static final String INSTALL = "npm ci --prefix policy-server/src/test/node";
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void packageInstalled() {
        boolean present = Files.isDirectory(NODE_DIR.resolve("node_modules/@cedar-policy/cedar-wasm"));
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("@cedar-policy/cedar-wasm is required in CI (CI=true) but is not installed: " + INSTALL);
        }
        Assumptions.assumeTrue(present, "@cedar-policy/cedar-wasm is not installed; to run this test: " + INSTALL);
    }

    /**
     * The oracle must be the Cedar that cedar-java embeds: the same major and minor version, read
     * from cedar-java's jar and from the installed package (package.json pins it exactly).
     */
    @Test
    void cedarWasm_isPinnedToCedarJavasVersion() throws Exception {
        String jar = com.cedarpolicy.model.policy.Policy.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        java.util.regex.Matcher javaVersion = java.util.regex.Pattern.compile("cedar-java-(\\d+\\.\\d+)\\.").matcher(jar);
        assertThat(javaVersion.find()).as("cedar-java's version in " + jar).isTrue();
        String installed = JSON.readTree(NODE_DIR.resolve("node_modules/@cedar-policy/cedar-wasm/package.json").toFile())
                .path("version").asText();
        assertThat(installed).startsWith(javaVersion.group(1) + ".");
    }

    @Test
    void starterPolicies_decideAlikeInCedarWasm() throws Exception {
        List<MeshRequest> requests = new ArrayList<>();
        String[] workloads = {"/ns/payments/sa/api", "/ns/payments/sa/ledger", "/ns/shop/sa/frontend", "/ns/shop/sa/checkout",
                "/ns/ops/sa/prometheus", "/meshid/admin", "/legacy/worker"};
        String[] actions = {"GET", "POST", "DELETE", "/payments.v1.Payments/Charge", "/payments.v1.Payments/Refund",
                "/grpc.health.v1.Health/Check"};
        String[] paths = {"/", "/metrics", "/orders", "/admin/users"};
        int i = 0;
        for (String principal : workloads) {
            for (String resource : workloads) {
                for (String action : actions) {
                    String path = paths[i % paths.length];
                    Map<String, String> headers = i % 3 == 0 ? Map.of("content-type", "application/grpc") : Map.of();
                    Map<String, Object> attributes = i % 5 == 0 ? Map.of("tenant", "acme") : Map.of();
                    String source = i % 2 == 0 ? "10.0.0.1" : "192.168.0.9";
                    String domain = i % 11 == 0 ? "spiffe://other.test" : "spiffe://meshid.local";
                    requests.add(new MeshRequest(io.meshid.common.spiffe.SpiffeId.parse(domain + principal), action,
                            io.meshid.common.spiffe.SpiffeId.parse("spiffe://meshid.local" + resource), path, headers, source, null,
                            attributes, ""));
                    i++;
                }
            }
        }
        String folder = StarterPolicies.STARTER;
        compare(StarterPolicies.policies(folder), StarterPolicies.templates(folder), StarterPolicies.links(folder), requests);
    }

    @Test
    void generatedPolicies_withTemplateLinks_decideAlikeInCedarWasm() throws Exception {
        GeneratedPolicies generated = GeneratedPolicies.of(400);
        compare(generated.policies, generated.templates, generated.links, generated.requests(400, 3));
    }

    /**
     * Generated sets in the shapes that the mesh's hierarchy and the schema make possible: action
     * groups (the starter schema's read, write and grpc, gRPC methods no policy names), principal
     * and resource scopes {@code in} Namespace and TrustDomain, several {@code when} and {@code
     * unless} clauses per policy, permits and forbids together, non-ASCII strings and {@code like}
     * with an escaped {@code \*}. Compiled as the store compiles a version (groups from the schema).
     */
    @Test
    void generatedHierarchiesAndGroups_decideAlikeInCedarWasm() throws Exception {
        java.util.Random random = new java.util.Random(15);
        String[] namespaces = {"shop", "payments", "ops"};
        String[] principals = {"principal", "principal in Namespace::\"spiffe://meshid.local/ns/%s\"",
                "principal in TrustDomain::\"spiffe://meshid.local\"", "principal in TrustDomain::\"spiffe://other.test\"",
                "principal == Workload::\"spiffe://meshid.local/ns/%s/sa/api\""};
        String[] actions = {"action", "action in Action::\"read\"", "action in Action::\"write\"", "action in Action::\"grpc\"",
                "action == Action::\"GET\"", "action in [Action::\"POST\", Action::\"/payments.v1.Payments/Charge\"]"};
        String[] resources = {"resource", "resource in Namespace::\"spiffe://meshid.local/ns/%s\"",
                "resource in TrustDomain::\"spiffe://meshid.local\"", "resource == Service::\"spiffe://meshid.local/ns/%s/sa/db\""};
        String[] conditions = {"context.path like \"/caf\u00e9/*\"", "context.path like \"/a\\*b*\"",
                "context.path == \"/\u00fcn\u00ef/\u65e5\u672c\"", "principal has namespace && principal.namespace == resource.namespace",
                "context.attributes has tenant && context.attributes.tenant == \"acm\u00e9\"",
                "principal.trust_domain == resource.trust_domain", "context.path like \"*\u65e5*\"",
                "resource has namespace && resource.namespace == \"ops\""};
        Map<String, String> policies = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 240; i++) {
            StringBuilder policy = new StringBuilder(random.nextInt(4) == 0 ? "forbid" : "permit").append(" (")
                    .append(String.format(principals[random.nextInt(principals.length)], namespaces[random.nextInt(3)])).append(", ")
                    .append(actions[random.nextInt(actions.length)]).append(", ")
                    .append(String.format(resources[random.nextInt(resources.length)], namespaces[random.nextInt(3)])).append(")");
            for (int c = random.nextInt(4); c > 0; c--) {
                policy.append(random.nextBoolean() ? " when { " : " unless { ").append(conditions[random.nextInt(conditions.length)])
                        .append(" }");
            }
            policy.append(";");
            policies.put("g" + i, policy.toString());
            text.append("@id(\"g").append(i).append("\") ").append(policy).append('\n');
        }
        CompiledPolicySet compiled = io.meshid.policy.validation.PolicySetValidator.compile(new io.meshid.policy.store.PolicySetSource(
                io.meshid.policy.store.PolicySetSource.SchemaFormat.CEDAR, StarterPolicies.text(StarterPolicies.STARTER,
                "schema.cedarschema"), text.toString(), List.of(), List.of()));
        String[] workloads = {"spiffe://meshid.local/ns/shop/sa/api", "spiffe://meshid.local/ns/payments/sa/db",
                "spiffe://meshid.local/ns/ops/sa/api", "spiffe://meshid.local/legacy", "spiffe://other.test/ns/shop/sa/api"};
        String[] methods = {"GET", "HEAD", "POST", "DELETE", "/payments.v1.Payments/Charge", "/orders.v1.Orders/Create", "FETCH"};
        String[] paths = {"/caf\u00e9/menu", "/a*b/c", "/a\\*b", "/axb", "/\u00fcn\u00ef/\u65e5\u672c", "/orders"};
        List<MeshRequest> requests = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Map<String, Object> attributes = random.nextBoolean() ? Map.of("tenant", random.nextBoolean() ? "acm\u00e9" : "acme") : Map.of();
            requests.add(new MeshRequest(io.meshid.common.spiffe.SpiffeId.parse(workloads[random.nextInt(workloads.length)]),
                    methods[random.nextInt(methods.length)], io.meshid.common.spiffe.SpiffeId.parse(workloads[random.nextInt(workloads.length)]),
                    paths[random.nextInt(paths.length)], Map.of(), "10.0.0.1", null, attributes, ""));
        }
        compare(compiled, policies, Map.of(), List.of(), requests);
    }

    private static void compare(Map<String, String> policies, Map<String, String> templates, List<TemplateLinkSource> links,
            List<MeshRequest> requests) throws Exception {
        compare(CompiledPolicySet.compile(policies, templates, links), policies, templates, links, requests);
    }

    private static void compare(CompiledPolicySet compiled, Map<String, String> policies, Map<String, String> templates,
            List<TemplateLinkSource> links, List<MeshRequest> requests) throws Exception {
        List<PolicyEngine> engines = List.of(compiled.slicedEvaluator(64), compiled.engine(EngineKind.JAVA, 64));
        List<DecisionRequest> cedar = requests.stream()
                .map(r -> CedarRequests.of(r, 1_796_126_400L, compiled.actionGroups())).toList();
        JsonNode answers = runNode(policies, templates, links, cedar);
        assertThat(answers.size()).isEqualTo(cedar.size());
        int allows = 0;
        for (int i = 0; i < cedar.size(); i++) {
            JsonNode theirs = answers.get(i);
            List<String> reasons = strings(theirs.get("reasons"));
            List<String> errors = strings(theirs.get("errors"));
            boolean allowed = "allow".equals(theirs.get("decision").asText()) && errors.isEmpty();
            List<String> determining = "allow".equals(theirs.get("decision").asText()) && !errors.isEmpty() ? List.of() : reasons;
            String what = "request " + i + ": " + requests.get(i);
            for (PolicyEngine engine : engines) {
                Decision ours = engine.decide(cedar.get(i));
                assertThat(ours.allowed()).as(what).isEqualTo(allowed);
                assertThat(ours.determiningPolicies()).as(what).isEqualTo(determining);
                assertThat(ours.errors().stream().map(e -> e.substring(0, e.indexOf(':'))).sorted().toList()).as(what)
                        .isEqualTo(errors);
            }
            allows += allowed ? 1 : 0;
        }
        assertThat(allows).as("both decisions occur").isBetween(1, cedar.size() - 1);
    }

    private static JsonNode runNode(Map<String, String> policies, Map<String, String> templates, List<TemplateLinkSource> links,
            List<DecisionRequest> requests) throws Exception {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("policies", policies);
        input.put("templates", templates);
        List<Map<String, Object>> linkJson = new ArrayList<>();
        for (TemplateLinkSource link : links) {
            Map<String, Object> values = new LinkedHashMap<>();
            if (link.principal() != null) {
                values.put("?principal", uid(link.principal()));
            }
            if (link.resource() != null) {
                values.put("?resource", uid(link.resource()));
            }
            linkJson.add(Map.of("templateId", link.templateId(), "newId", link.linkId(), "values", values));
        }
        input.put("links", linkJson);
        List<Map<String, Object>> requestJson = new ArrayList<>();
        for (DecisionRequest r : requests) {
            List<Map<String, Object>> entities = new ArrayList<>();
            for (EntityData e : r.entities()) {
                entities.add(Map.of("uid", uid(e.uid()), "attrs", e.attributes(), "parents", e.parents().stream().map(p -> uid(p)).toList()));
            }
            requestJson.add(Map.of("principal", uid(r.principal()), "action", uid(r.action()), "resource", uid(r.resource()),
                    "context", r.context(), "entities", entities));
        }
        input.put("requests", requestJson);
        Process node = new ProcessBuilder("node", "decide.mjs").directory(NODE_DIR.toFile()).redirectErrorStream(false).start();
        try (var in = node.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(input));
        }
        byte[] out = node.getInputStream().readAllBytes();
        String err = new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as("node decide.mjs: " + err).isZero();
        return JSON.readTree(out);
    }

    private static Map<String, String> uid(EntityRef ref) {
        return Map.of("type", ref.type(), "id", ref.id());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out.stream().sorted().toList();
    }
}
