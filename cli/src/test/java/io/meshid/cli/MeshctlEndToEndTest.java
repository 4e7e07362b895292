package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * meshctl in-process against a real dev mesh (three server processes, mTLS with the dev admin's
 * SVID), configured by endpoints.json alone, as after {@code ./meshid dev}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshctlEndToEndTest {

    private DevMesh mesh;

    @BeforeAll
    void start() throws Exception {
        mesh = DevMesh.shared();
    }

    private DevMesh.Run ok(String... args) {
        DevMesh.Run run = mesh.meshctl(args);
        assertThat(run.code()).as("meshctl %s\nstdout: %s\nstderr: %s", String.join(" ", args), run.out(), run.err()).isZero();
        return run;
    }

    private static JsonObject json(DevMesh.Run run) {
        return JsonParser.parseString(run.out()).getAsJsonObject();
    }

    @Test
    void entry_joinToken_svidFetch_renew_issued_revoke_delete(@TempDir Path tmp) throws Exception {
        String id = json(ok("entry", "create", "--spiffe-id", "spiffe://meshid.local/ns/shop/sa/cart", "--x509-ttl", "30m",
                "--dns", "cart.shop.svc", "--json")).getAsJsonObject("entry").get("id").getAsString();

        assertThat(ok("entry", "list").out()).contains(id, "spiffe://meshid.local/ns/shop/sa/cart", "PT30M", "cart.shop.svc");
        assertThat(ok("entry", "show", id).out()).contains("spiffe_id:", "spiffe://meshid.local/ns/shop/sa/cart");

        String token = json(ok("join-token", "create", "--entry-id", id, "--json")).get("token").getAsString();
        Path out = tmp.resolve("svid");
        DevMesh.Run fetched = ok("svid", "fetch", "--join-token", token, "--out", out.toString(), "--json");
        String serial = json(fetched).get("serial_number").getAsString();
        assertThat(json(fetched).get("spiffe_id").getAsString()).isEqualTo("spiffe://meshid.local/ns/shop/sa/cart");
        assertThat(Files.readString(out.resolve("cert.pem"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.getPosixFilePermissions(out.resolve("key.pem")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");

        // The workload renews with what it fetched, over mTLS with that SVID.
        DevMesh.Run renewed = DevMesh.meshctl(tmp, Map.of("MESHID_DEV_DIR", mesh.dir.toString(),
                "MESHID_CERT", out.resolve("cert.pem").toString(), "MESHID_KEY", out.resolve("key.pem").toString(),
                "MESHID_BUNDLE", out.resolve("bundle.pem").toString()), "svid", "fetch", "--renew", "--out", tmp.resolve("renewed").toString());
        assertThat(renewed.code()).as(renewed.err()).isZero();

        assertThat(ok("ca", "issued", "--spiffe-id", "spiffe://meshid.local/ns/shop/sa/cart").out()).contains(serial);
        JsonObject first = json(ok("ca", "issued", "--limit", "1", "--json"));
        String next = first.get("next_page_token").getAsString();
        assertThat(next).as("a --limit that stops early says where to go on").isNotEmpty();
        JsonObject second = json(ok("ca", "issued", "--limit", "1", "--page-token", next, "--json"));
        assertThat(second.getAsJsonArray("certificates").get(0).getAsJsonObject().get("serial_number"))
                .isNotEqualTo(first.getAsJsonArray("certificates").get(0).getAsJsonObject().get("serial_number"));
        assertThat(ok("svid", "revoke", serial, "--reason", "key-compromise", "--comment", "test").out()).contains("revoked:");
        assertThat(ok("entry", "delete", id).out()).contains("deleted entry " + id);
        DevMesh.Run gone = mesh.meshctl("entry", "show", id);
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).startsWith("meshctl: identity-server at ").contains("NOT_FOUND", "request id ");
    }

    @Test
    void caBundle_pemAndSpiffe() {
        assertThat(ok("ca", "bundle").out()).startsWith("-----BEGIN CERTIFICATE-----");
        JsonObject spiffe = json(ok("ca", "bundle", "--format", "spiffe"));
        assertThat(spiffe.getAsJsonArray("keys")).isNotEmpty();
        assertThat(spiffe.getAsJsonArray("keys").get(0).getAsJsonObject().get("use").getAsString()).isEqualTo("x509-svid");
    }

    /** A workload's SVID in {@code dir}, fetched with a join token for a new entry. */
    private Map<String, String> workload(Path dir, String spiffeId) {
        String id = json(ok("entry", "create", "--spiffe-id", spiffeId, "--json")).getAsJsonObject("entry").get("id").getAsString();
        String token = json(ok("join-token", "create", "--entry-id", id, "--json")).get("token").getAsString();
        ok("svid", "fetch", "--join-token", token, "--out", dir.toString());
        return Map.of("MESHID_DEV_DIR", mesh.dir.toString(), "MESHID_CERT", dir.resolve("cert.pem").toString(),
                "MESHID_KEY", dir.resolve("key.pem").toString(), "MESHID_BUNDLE", dir.resolve("bundle.pem").toString());
    }

    @Test
    void tokenMint_thenValidate_asAWorkload(@TempDir Path tmp) {
        Map<String, String> env = workload(tmp.resolve("w"), "spiffe://meshid.local/ns/shop/sa/tokens");
        DevMesh.Run minted = DevMesh.meshctl(tmp, env, "token", "mint", "--audience", "payments");
        assertThat(minted.code()).as(minted.err()).isZero();
        String token = minted.out().strip();
        assertThat(ok("token", "validate", token, "--audience", "payments").out()).contains("valid:", "true",
                "spiffe://meshid.local/ns/shop/sa/tokens");
        DevMesh.Run wrongAudience = mesh.meshctl("token", "validate", token, "--audience", "ledger");
        assertThat(wrongAudience.code()).isEqualTo(1);
        assertThat(wrongAudience.err()).contains("token not valid: INVALID_TOKEN_REASON_AUDIENCE_MISMATCH");
        DevMesh.Run revoked = DevMesh.meshctl(tmp, env, "token", "revoke", token);
        assertThat(revoked.code()).as(revoked.err()).isZero();
        assertThat(mesh.meshctl("token", "validate", token, "--audience", "payments").err()).contains("REVOKED");
    }

    @Test
    void policy_getPutVersionsDiffCheckRollback(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("policies");
        ok("policy", "get", "--out", dir.toString());
        assertThat(dir.resolve("policies.cedar")).exists();
        assertThat(dir.resolve("schema.cedarschema")).exists();
        assertThat(ok("policy", "validate", dir.toString()).out()).contains("valid:");

        String before = json(ok("policy", "versions", "--json")).get("active_version").getAsString();
        Files.writeString(dir.resolve("policies.cedar"), Files.readString(dir.resolve("policies.cedar"))
                + "\n@id(\"meshctl-test-forbid\")\nforbid (principal, action, resource) when { context.path == \"/meshctl-test\" };\n");
        assertThat(ok("policy", "diff", "--dir", dir.toString()).out()).contains("+@id(\"meshctl-test-forbid\")");
        String stored = ok("policy", "put", dir.toString(), "--comment", "meshctl test").out();
        assertThat(stored).contains("stored version");
        assertThat(ok("policy", "versions").out()).contains("meshctl test");
        assertThat(ok("policy", "diff", before, String.valueOf(Long.parseLong(before) + 1)).out()).contains("meshctl-test-forbid");

        DevMesh.Run check = ok("policy", "check", "--principal", "spiffe://meshid.local/ns/shop/sa/frontend", "--action", "GET",
                "--resource", "spiffe://meshid.local/ns/shop/sa/checkout", "--path", "/meshctl-test");
        assertThat(check.out()).contains("decision:", "DENY");

        assertThat(ok("policy", "rollback", before, "--comment", "undo").out()).contains("a copy of " + before);
    }

    @Test
    void audit_mergesTheThreeServers_newestFirst() {
        ok("ca", "bundle");
        ok("entry", "list");
        DevMesh.Run audit = ok("audit", "--json", "--limit", "500");
        JsonObject events = json(audit);
        assertThat(events.getAsJsonArray("events")).isNotEmpty();
        java.util.Set<String> servers = new java.util.HashSet<>();
        String previous = null;
        for (var e : events.getAsJsonArray("events")) {
            JsonObject o = e.getAsJsonObject();
            servers.add(o.get("server").getAsString());
            assertThat(o.get("trust_domain").getAsString()).isEqualTo("meshid.local");
            String at = o.get("occurred_at").getAsString();
            if (previous != null) {
                assertThat(java.time.Instant.parse(at)).isBeforeOrEqualTo(java.time.Instant.parse(previous));
            }
            previous = at;
        }
        assertThat(servers).contains("cert-authority");
        assertThat(ok("audit", "--kind", "policy.put", "--on", "policy").out()).doesNotContain("ca.");
    }

    @Test
    void oauthClient_create_list_show_delete() {
        JsonObject created = json(ok("oauth-client", "create", "meshctl-ci", "--auth-method", "client_secret_basic",
                "--grant", "client_credentials", "--audience", "payments", "--scope", "orders.read", "--token-ttl", "10m", "--json"));
        String secret = created.get("client_secret").getAsString();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
        assertThat(created.getAsJsonObject("client").get("client_id").getAsString()).isEqualTo("meshctl-ci");

        String listed = ok("oauth-client", "list").out();
        assertThat(listed).contains("meshctl-ci", "client_secret_basic", "client_credentials", "payments", "orders.read", "PT10M")
                .doesNotContain(secret);
        assertThat(ok("oauth-client", "show", "meshctl-ci").out()).contains("client_id:", "meshctl-ci", "created_by:",
                "spiffe://meshid.local/meshid/admin").doesNotContain(secret);

        JsonObject tls = json(ok("oauth-client", "create", "meshctl-mtls", "--auth-method", "tls_client_auth",
                "--grant", "client_credentials", "--audience", "payments", "--tls-spiffe-id", "spiffe://meshid.local/ns/ci/sa/runner",
                "--json"));
        assertThat(tls.get("client_secret").getAsString()).as("no secret for tls_client_auth").isEmpty();
        assertThat(json(ok("oauth-client", "list", "--json")).getAsJsonArray("clients").toString()).contains("meshctl-ci", "meshctl-mtls");

        assertThat(ok("oauth-client", "delete", "meshctl-ci").out()).contains("deleted OAuth client meshctl-ci");
        ok("oauth-client", "delete", "meshctl-mtls");
        assertThat(mesh.meshctl("oauth-client", "show", "meshctl-ci").code()).isEqualTo(1);
        assertThat(ok("oauth-client", "list").out()).doesNotContain("meshctl-ci");
    }

    @Test
    void policyCheck_meshidAndEnvoy_agree_andExitCodeTellsADeny() {
        String[] allowed = {"--principal", "spiffe://meshid.local/ns/shop/sa/checkout", "--action", "/payments.v1.Payments/Charge",
            "--resource", "spiffe://meshid.local/ns/payments/sa/api"};
        String[] denied = {"--principal", "spiffe://meshid.local/ns/shop/sa/frontend", "--action", "DELETE",
            "--resource", "spiffe://meshid.local/ns/payments/sa/ledger", "--path", "/entries/9"};

        assertThat(ok(concat(new String[] {"policy", "check", "--exit-code"}, allowed)).out()).contains("ALLOW", "checkout-charges-payments");
        DevMesh.Run envoyAllowed = ok(concat(new String[] {"policy", "check", "--envoy", "--exit-code"}, allowed));
        assertThat(envoyAllowed.out()).contains("decision:", "ALLOW", "status:", "OK");
        assertThat(json(ok(concat(new String[] {"policy", "check", "--envoy", "--json"}, allowed))).getAsJsonObject("ok_response"))
                .isNotNull();

        DevMesh.Run meshidDenied = mesh.meshctl(concat(new String[] {"policy", "check", "--exit-code"}, denied));
        assertThat(meshidDenied.code()).as(meshidDenied.err()).isEqualTo(3);
        assertThat(meshidDenied.out()).contains("DENY", "ledger-no-delete");
        DevMesh.Run envoyDenied = mesh.meshctl(concat(new String[] {"policy", "check", "--envoy", "--exit-code"}, denied));
        assertThat(envoyDenied.code()).as(envoyDenied.err()).isEqualTo(3);
        assertThat(envoyDenied.out()).contains("DENY", "PERMISSION_DENIED", "403", "ledger-no-delete");
        assertThat(ok(concat(new String[] {"policy", "check", "--envoy"}, denied)).out()).as("without --exit-code a deny exits 0")
                .contains("DENY");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
