package io.meshid.policy.bench;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.cedar.TemplateLinkSource;
import io.meshid.policy.mapping.MeshRequest;
import io.meshid.policy.testing.StarterPolicies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A realistic generated policy set of a given size for benchmarks: a few trust-domain-wide
 * policies (health checks, a cross-domain forbid, an admin-path forbid), per-service grants (a
 * client, a method set, sometimes a path condition) and template links of two templates (about a
 * quarter of the total), over services and clients spread across 20 namespaces; plus requests
 * that mostly hit a grant. Deterministic for a given size. The set passes strict validation
 * against the starter schema, so it can seed a real server.
 */
public final class GeneratedPolicies {

    public static final String DOMAIN = "bench.test";
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE"};

    public final Map<String, String> policies = new LinkedHashMap<>();
    public final Map<String, String> templates = new LinkedHashMap<>();
    public final List<TemplateLinkSource> links = new ArrayList<>();
    private final List<String[]> grants = new ArrayList<>();
    private final int services;

    private GeneratedPolicies(int total) {
        this.services = Math.max(1, total / 4);
        if (total < 10) {
            for (int i = 0; i < total; i++) {
                grant("grant-" + i, client(i), service(i % services), "GET", false);
            }
            return;
        }
        policies.put("health-checks", """
                permit (principal, action == Action::"/grpc.health.v1.Health/Check", resource)
                when { principal.trust_domain == resource.trust_domain };""");
        policies.put("forbid-other-trust-domains", """
                forbid (principal, action, resource) unless { principal.trust_domain == resource.trust_domain };""");
        policies.put("admin-paths-from-cluster", """
                forbid (principal, action, resource)
                when { context.path like "/admin/*" && !(context.source_address like "10.*") };""");
        templates.put("may-call", "permit (principal == ?principal, action, resource == ?resource);");
        templates.put("may-read", "permit (principal == ?principal, action in [Action::\"GET\", Action::\"HEAD\"], resource == ?resource);");
        int linkCount = total / 4;
        int staticCount = total - 3 - 2 - linkCount;
        for (int i = 0; i < staticCount; i++) {
            grant("grant-" + i, client(i * 7), service(i % services), METHODS[i % METHODS.length], i % 3 == 0);
        }
        for (int i = 0; i < linkCount; i++) {
            String template = i % 2 == 0 ? "may-call" : "may-read";
            String client = client(i * 13 + 5);
            String service = service((i * 3 + 1) % services);
            links.add(new TemplateLinkSource("link-" + i, template, new EntityRef("Workload", client), new EntityRef("Service", service)));
            grants.add(new String[] {client, service, "GET", "/"});
        }
    }

    /** The generated set with {@code total} policies, templates and links in all. */
    public static GeneratedPolicies of(int total) {
        return new GeneratedPolicies(total);
    }

    private void grant(String id, String client, String service, String method, boolean pathCondition) {
        String text = "permit (principal == Workload::\"" + client + "\", action == Action::\"" + method
                + "\", resource == Service::\"" + service + "\")" + (pathCondition ? " when { context.path like \"/api/*\" };" : ";");
        policies.put(id, text);
        grants.add(new String[] {client, service, method, pathCondition ? "/api/items" : "/"});
    }

    static String client(int i) {
        int n = Math.floorMod(i, 500);
        return "spiffe://" + DOMAIN + "/ns/ns-" + (n % 20) + "/sa/client-" + n;
    }

    static String service(int i) {
        return "spiffe://" + DOMAIN + "/ns/ns-" + (i % 20) + "/sa/svc-" + i;
    }

    public int size() {
        return policies.size() + templates.size() + links.size();
    }

    public CompiledPolicySet compile() {
        return CompiledPolicySet.compile(policies, templates, links);
    }

    /**
     * {@code count} requests: three in four follow a grant (most allow), the rest pair a random
     * client and service (most deny by default); paths and source addresses vary, so no two
     * requests need be alike.
     */
    public List<MeshRequest> requests(int count, long seed) {
        Random random = new Random(seed);
        List<MeshRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String principal;
            String resource;
            String method;
            String path;
            if (random.nextInt(4) > 0) {
                String[] grant = grants.get(random.nextInt(grants.size()));
                principal = grant[0];
                resource = grant[1];
                method = grant[2];
                path = grant[3].equals("/") ? "/r/" + random.nextInt(1_000_000) : "/api/items/" + random.nextInt(1_000_000);
            } else {
                principal = client(random.nextInt(500));
                resource = service(random.nextInt(services));
                method = METHODS[random.nextInt(METHODS.length)];
                path = "/x/" + random.nextInt(1_000_000);
            }
            out.add(new MeshRequest(SpiffeId.parse(principal), method, SpiffeId.parse(resource), path,
                    Map.of("content-type", "application/json"), "10.0." + random.nextInt(256) + "." + random.nextInt(256), null,
                    Map.of(), "bench-" + i));
        }
        return out;
    }

    /** Writes the set as a seed directory (the starter schema, policies.cedar, templates.cedar, links.json). */
    public Path writeSeed(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("schema.cedarschema"), StarterPolicies.text(StarterPolicies.STARTER, "schema.cedarschema"));
        StringBuilder text = new StringBuilder();
        policies.forEach((id, body) -> text.append("@id(\"").append(id).append("\")\n").append(body).append("\n\n"));
        Files.writeString(directory.resolve("policies.cedar"), text);
        StringBuilder templateText = new StringBuilder();
        templates.forEach((id, body) -> templateText.append("@id(\"").append(id).append("\")\n").append(body).append("\n\n"));
        Files.writeString(directory.resolve("templates.cedar"), templateText);
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < links.size(); i++) {
            TemplateLinkSource link = links.get(i);
            json.append(i == 0 ? "" : ",\n").append("{\"template_id\":\"").append(link.templateId()).append("\",\"link_id\":\"")
                    .append(link.linkId()).append("\",\"slots\":{\"?principal\":\"Workload::\\\"").append(link.principal().id())
                    .append("\\\"\",\"?resource\":\"Service::\\\"").append(link.resource().id()).append("\\\"\"}}");
        }
        Files.writeString(directory.resolve("links.json"), json.append("\n]\n"));
        return directory;
    }
}
