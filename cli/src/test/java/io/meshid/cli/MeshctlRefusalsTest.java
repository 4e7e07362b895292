package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each command's refusals, each one line on stderr with the right exit code: usage (2) for bad
 * flags, files and missing credentials, found before any call; 1 for what a server refused or an
 * unreachable server. Against the real dev mesh where a server is involved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshctlRefusalsTest {

    private DevMesh mesh;

    /** A valid policy directory (the dev mesh's active version), for the commands that read one. */
    private Path policies;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        mesh = DevMesh.shared();
        policies = tmp.resolve("policies");
        DevMesh.Run got = mesh.meshctl("policy", "get", "--out", policies.toString());
        assertThat(got.code()).as(got.err()).isZero();
    }

    /** {@link #COMMANDS} and the commands that write or read files, with paths under {@code tmp}. */
    private List<String[]> commands(Path tmp) {
        List<String[]> all = new ArrayList<>(List.of(COMMANDS));
        all.add(new String[] {"svid", "fetch", "--join-token", "t", "--out", tmp.resolve("svid").toString()});
        all.add(new String[] {"policy", "get", "--out", tmp.resolve("got").toString()});
        all.add(new String[] {"policy", "validate", policies.toString()});
        all.add(new String[] {"policy", "put", policies.toString()});
        all.add(new String[] {"policy", "diff", "--dir", policies.toString()});
        return all;
    }

    /** Every command that talks to a server, with valid arguments. */
    private static final String[][] COMMANDS = {
        {"trust-domain", "create", "x.example"},
        {"trust-domain", "list"},
        {"entry", "create", "--spiffe-id", "spiffe://meshid.local/x"},
        {"entry", "list"},
        {"entry", "show", "00000000-0000-4000-8000-000000000000"},
        {"entry", "delete", "00000000-0000-4000-8000-000000000000"},
        {"join-token", "create", "--entry-id", "00000000-0000-4000-8000-000000000000"},
        {"svid", "revoke", "abcd", "--reason", "superseded"},
        {"ca", "bundle"},
        {"ca", "rotate", "--reason", "test"},
        {"ca", "issued"},
        {"token", "mint", "--audience", "a"},
        {"token", "validate", "t", "--audience", "a"},
        {"token", "exchange", "--subject-token", "t"},
        {"token", "revoke", "--jti", "j"},
        {"policy", "versions"},
        {"policy", "rollback", "1"},
        {"policy", "check", "--principal", "p", "--action", "a", "--resource", "r"},
        {"policy", "check", "--envoy", "--principal", "p", "--action", "a", "--resource", "r"},
        {"oauth-client", "create", "ci", "--auth-method", "client_secret_basic", "--grant", "client_credentials", "--audience", "a"},
        {"oauth-client", "list"},
        {"oauth-client", "show", "ci"},
        {"oauth-client", "delete", "ci"},
        {"audit"},
    };

    private static void oneLine(DevMesh.Run run, int code) {
        assertThat(run.code()).as("stderr: %s", run.err()).isEqualTo(code);
        assertThat(run.err()).startsWith("meshctl: ").endsWith("\n");
        assertThat(run.err().strip()).doesNotContain("\n").doesNotContain("Exception");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void everyCommand_withoutCredentials_isAUsageErrorNamingWhereItLooked(@TempDir Path empty) {
        for (String[] command : commands(empty)) {
            DevMesh.Run run = DevMesh.meshctl(empty, Map.of(), command);
            oneLine(run, 2);
            assertThat(run.err()).as(String.join(" ", command)).containsAnyOf("no credentials: --cert is missing",
                    "no credentials: --bundle is missing", "no address for");
        }
    }

    @Test
    void everyCommand_withAnUnreachableServer_failsWithOneLine(@TempDir Path tmp) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        for (String[] command : commands(tmp)) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 2);
            args[command.length] = "--server";
            args[command.length + 1] = "127.0.0.1:" + port;
            DevMesh.Run run = mesh.meshctl(args);
            oneLine(run, 1);
            assertThat(run.err()).as(String.join(" ", command)).contains("cannot reach", "127.0.0.1:" + port);
        }
    }

    @Test
    void wrongTrustDomain_theServersIdentityIsRefused() {
        DevMesh.Run run = mesh.meshctl("entry", "list", "--trust-domain", "other.example");
        oneLine(run, 1);
        assertThat(run.err()).contains("TLS with identity-server", "spiffe://");
    }

    @Test
    void unknownEntryId_isNotFound_andAMalformedOneIsAUsageError() {
        DevMesh.Run unknown = mesh.meshctl("entry", "show", "00000000-0000-4000-8000-000000000000");
        oneLine(unknown, 1);
        assertThat(unknown.err()).contains("NOT_FOUND", "request id");
        for (String[] command : new String[][] {{"entry", "show", "nope"}, {"entry", "delete", "nope"},
            {"join-token", "create", "--entry-id", "nope"}}) {
            DevMesh.Run bad = mesh.meshctl(command);
            oneLine(bad, 2);
            assertThat(bad.err()).contains("entry id 'nope' (expected: a UUID");
        }
    }

    @Test
    void policyDirectoryWithASyntaxError_isRefusedWithFileLineAndColumn(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("p");
        assertThat(mesh.meshctl("policy", "get", "--out", dir.toString()).code()).isZero();
        Files.writeString(dir.resolve("policies.cedar"), "@id(\"broken\")\npermit (principal, action, resource) when { 1 + };\n");
        for (String verb : new String[] {"validate", "put"}) {
            DevMesh.Run run = mesh.meshctl("policy", verb, dir.toString());
            assertThat(run.code()).as(run.err()).isEqualTo(1);
            assertThat(run.err()).startsWith(verb.equals("put") ? "meshctl: policy-server at " : "meshctl: the policy set does not validate")
                    .contains("the policy set does not validate")
                    .containsPattern(java.util.regex.Pattern.quote(dir.resolve("policies.cedar").toString()) + ":\\d+:\\d+: ");
            DevMesh.Run json = mesh.meshctl("policy", verb, dir.toString(), "--json");
            assertThat(json.code()).isEqualTo(1);
            assertThat(com.google.gson.JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonArray("errors")).as(verb)
                    .isNotEmpty();
        }
        DevMesh.Run put = mesh.meshctl("policy", "put", dir.toString());
        assertThat(put.err().lines().findFirst().orElseThrow()).as("the refusal's first line, as every failure's")
                .containsPattern("\\(INVALID_ARGUMENT, request id [0-9a-f-]{36}\\):$");
        DevMesh.Run notADir = mesh.meshctl("policy", "validate", tmp.resolve("missing").toString());
        oneLine(notADir, 2);
        assertThat(notADir.err()).contains("not a directory (expected: a policy directory");
        Files.delete(dir.resolve("policies.cedar"));
        DevMesh.Run noPolicies = mesh.meshctl("policy", "put", dir.toString());
        oneLine(noPolicies, 2);
        assertThat(noPolicies.err()).contains("policies.cedar: missing");
    }

    @Test
    void badFlagsAndFiles_areUsageErrors(@TempDir Path tmp) throws Exception {
        Path notPem = tmp.resolve("cert.pem");
        Files.writeString(notPem, "hello");
        String[][] cases = {
            {"entry", "create", "--spiffe-id", "http://x"},
            {"entry", "create", "--spiffe-id", "spiffe://meshid.local/x", "--x509-ttl", "soon"},
            {"entry", "create", "--spiffe-id", "spiffe://meshid.local/x", "--selector", "novalue"},
            {"entry", "list", "--frobnicate"},
            {"svid", "fetch", "--out", tmp.toString()},
            {"svid", "fetch", "--join-token", "t", "--renew", "--out", tmp.toString()},
            {"svid", "revoke", "abcd", "--reason", "bored"},
            {"ca", "bundle", "--format", "der"},
            {"ca", "rotate", "--reason", "x", "--level", "leaf"},
            {"ca", "rotate", "--reason", "x", "--cutoff-after", "5m"},
            {"token", "validate", "t", "--audience", "a", "--type", "saml"},
            {"token", "exchange", "--subject-token", "t", "--subject-token-type", "saml"},
            {"policy", "diff", "1"},
            {"policy", "rollback", "0"},
            {"policy", "check", "--principal", "p", "--action", "a", "--resource", "r", "--context", "[1"},
            {"policy", "check", "--envoy", "--principal", "p", "--action", "a", "--resource", "r", "--context", "{}"},
            {"policy", "check", "--principal", "p", "--action", "a", "--resource", "r", "--header", "content-type=text/plain"},
            {"policy", "check", "--envoy", "--principal", "p", "--action", "a", "--resource", "r", "--header", "novalue"},
            {"policy", "check", "--envoy", "--principal", "p", "--action", "/pkg.S/M", "--resource", "r", "--path", "/other"},
            {"oauth-client", "create", "ci", "--auth-method", "magic", "--grant", "client_credentials", "--audience", "a"},
            {"oauth-client", "create", "ci", "--auth-method", "client_secret_basic", "--grant", "implicit", "--audience", "a"},
            {"oauth-client", "create", "ci", "--auth-method", "client_secret_basic", "--grant", "client_credentials"},
            {"oauth-client", "create", "ci", "--auth-method", "private_key_jwt", "--grant", "client_credentials", "--audience", "a"},
            {"oauth-client", "create", "ci", "--auth-method", "private_key_jwt", "--grant", "client_credentials", "--audience", "a",
                "--jwks", tmp.resolve("missing.json").toString()},
            {"oauth-client", "create", "ci", "--auth-method", "private_key_jwt", "--grant", "client_credentials", "--audience", "a",
                "--jwks", notPem.toString()},
            {"oauth-client", "create", "ci", "--auth-method", "client_secret_post", "--grant", "client_credentials", "--audience", "a",
                "--tls-spiffe-id", "spiffe://meshid.local/ci"},
            {"oauth-client", "create", "ci", "--auth-method", "tls_client_auth", "--grant", "client_credentials", "--audience", "a"},
            {"oauth-client", "create", "ci", "--auth-method", "client_secret_basic", "--grant", "client_credentials", "--audience", "a",
                "--token-ttl", "forever"},
            {"oauth-client", "delete"},
            {"audit", "--outcome", "maybe"},
            {"audit", "--on", "sidecar"},
            {"audit", "--since", "yesterday-ish"},
            {"entry", "list", "--cert", notPem.toString()},
            {"entry", "list", "--key", tmp.resolve("nokey.pem").toString()},
            {"entry", "list", "--server", "nocolon"},
            {"entry", "list", "--admin", "yes"},
            {"policy", "get", "--version", "1", "--shadow", "--out", tmp.resolve("got").toString()},
            {"policy", "get", "--out", notPem.toString()},
            {"policy", "rollback", "abc"},
            {"policy", "diff", "abc", "2"},
            {"ca", "issued", "--serial", "nothex"},
            {"token", "validate", "", "--audience", "x"},
            {"entry"},
            {},
        };
        for (String[] command : cases) {
            DevMesh.Run run = mesh.meshctl(command);
            assertThat(run.code()).as("%s: %s", String.join(" ", command), run.err()).isEqualTo(2);
            assertThat(run.err()).as(String.join(" ", command)).startsWith("meshctl: ");
            assertThat(run.err().strip()).as(String.join(" ", command)).doesNotContain("\n").doesNotContain("Exception");
        }
    }

    @Test
    void nonAdmin_isRefusedTheAuditTrailOnEveryServer(@TempDir Path tmp) {
        DevMesh.Run created = mesh.meshctl("entry", "create", "--spiffe-id", "spiffe://meshid.local/ns/audit/sa/reader", "--json");
        assertThat(created.code()).as(created.err()).isZero();
        String id = com.google.gson.JsonParser.parseString(created.out()).getAsJsonObject().getAsJsonObject("entry").get("id").getAsString();
        String token = com.google.gson.JsonParser.parseString(mesh.meshctl("join-token", "create", "--entry-id", id, "--json").out())
                .getAsJsonObject().get("token").getAsString();
        Path svid = tmp.resolve("svid");
        assertThat(mesh.meshctl("svid", "fetch", "--join-token", token, "--out", svid.toString()).code()).isZero();
        Map<String, String> env = new HashMap<>(Map.of("MESHID_DEV_DIR", mesh.dir.toString(),
                "MESHID_CERT", svid.resolve("cert.pem").toString(), "MESHID_KEY", svid.resolve("key.pem").toString(),
                "MESHID_BUNDLE", svid.resolve("bundle.pem").toString()));
        for (String server : new String[] {"ca", "identity", "policy"}) {
            DevMesh.Run run = DevMesh.meshctl(tmp, env, "audit", "--on", server);
            oneLine(run, 1);
            assertThat(run.err()).contains("PERMISSION_DENIED");
        }
    }

    @Test
    void anotherTrustDomainsAuditTrail_isRefusedByEveryServer_notAnsweredEmpty() {
        GlobalOptions options = new GlobalOptions();
        options.timeout = java.time.Duration.ofSeconds(30);
        try (Session session = new Session(options, new Cli(Map.of("MESHID_DEV_DIR", mesh.dir.toString()), mesh.dir,
                new java.io.PrintWriter(java.io.Writer.nullWriter()), new java.io.PrintWriter(java.io.Writer.nullWriter())))) {
            for (ServerKind server : ServerKind.values()) {
                var request = io.meshid.proto.common.v1.ListAuditEventsRequest.newBuilder().setTrustDomain("other.example").build();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.stub(server,
                        io.meshid.proto.common.v1.AuditServiceGrpc::newBlockingStub).listAuditEvents(request))
                        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).contains("other.example", "its own trust domain");
                        });
                var own = session.stub(server, io.meshid.proto.common.v1.AuditServiceGrpc::newBlockingStub)
                        .listAuditEvents(io.meshid.proto.common.v1.ListAuditEventsRequest.newBuilder().setPageSize(1000).build());
                assertThat(own.getEventsList()).allSatisfy(e -> assertThat(e.getTrustDomain()).isEqualTo(DevMesh.DOMAIN));
            }
        }
    }

    @Test
    void trustDomainList_showsTheSystemAdminEveryTrustDomain() {
        DevMesh.Run run = mesh.meshctl("trust-domain", "list");
        assertThat(run.code()).as("stderr: %s", run.err()).isZero();
        assertThat(run.out()).startsWith("NAME").contains(DevMesh.DOMAIN);

        DevMesh.Run json = mesh.meshctl("trust-domain", "list", "--json");
        assertThat(json.code()).as("stderr: %s", json.err()).isZero();
        assertThat(json.out()).contains("\"trust_domains\"", "\"name\": \"" + DevMesh.DOMAIN + "\"");
    }

    @Test
    void oauthClient_unknownOrMalformed_andRefusedByTheServer() {
        DevMesh.Run unknown = mesh.meshctl("oauth-client", "show", "no-such-client");
        oneLine(unknown, 1);
        assertThat(unknown.err()).contains("NOT_FOUND", "request id ");

        DevMesh.Run deleteUnknown = mesh.meshctl("oauth-client", "delete", "no-such-client");
        oneLine(deleteUnknown, 1);
        assertThat(deleteUnknown.err()).contains("NOT_FOUND");

        DevMesh.Run malformed = mesh.meshctl("oauth-client", "create", "bad id!", "--auth-method", "client_secret_basic",
                "--grant", "client_credentials", "--audience", "a");
        oneLine(malformed, 1);
        assertThat(malformed.err()).contains("INVALID_ARGUMENT");

        DevMesh.Run ttl = mesh.meshctl("oauth-client", "create", "too-long-ttl", "--auth-method", "client_secret_basic",
                "--grant", "client_credentials", "--audience", "a", "--token-ttl", "5h");
        oneLine(ttl, 1);
        assertThat(ttl.err()).contains("INVALID_ARGUMENT");
        assertThat(mesh.meshctl("oauth-client", "show", "too-long-ttl").code()).as("nothing was stored").isEqualTo(1);

        DevMesh.Run otherDomain = mesh.meshctl("oauth-client", "list", "--trust-domain", "other.example");
        oneLine(otherDomain, 1);
    }

    @Test
    void envoyCheck_ofANonAdminAboutAnotherWorkload_isANotAllowedDeny_notAnError(@TempDir Path tmp) {
        // ext_authz answers every refusal inside the CheckResponse: a workload may ask only about itself.
        Map<String, String> env = workload(tmp, "spiffe://meshid.local/ns/shop/sa/envoy-asker");
        DevMesh.Run run = DevMesh.meshctl(tmp, env, "policy", "check", "--envoy", "--exit-code",
                "--principal", "spiffe://meshid.local/ns/shop/sa/frontend", "--action", "GET",
                "--resource", "spiffe://meshid.local/ns/shop/sa/checkout");
        assertThat(run.code()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).contains("DENY", "PERMISSION_DENIED", "403");
    }

    @Test
    void dnsNameTheCaRefuses_isAFailedPreconditionWithTheCasMessage_notUnavailable(@TempDir Path tmp) {
        // The dev mesh's CA allows DNS names under "svc" only (DevMesh), so the entry is stored but its SVID is refused.
        DevMesh.Run created = mesh.meshctl("entry", "create", "--spiffe-id", "spiffe://meshid.local/ns/shop/sa/outside",
                "--dns", "cart.example.com", "--json");
        assertThat(created.code()).as(created.err()).isZero();
        String id = com.google.gson.JsonParser.parseString(created.out()).getAsJsonObject().getAsJsonObject("entry").get("id").getAsString();
        DevMesh.Run token = mesh.meshctl("join-token", "create", "--entry-id", id, "--json");
        assertThat(token.code()).as(token.err()).isZero();
        String joinToken = com.google.gson.JsonParser.parseString(token.out()).getAsJsonObject().get("token").getAsString();

        DevMesh.Run fetch = mesh.meshctl("svid", "fetch", "--join-token", joinToken, "--out", tmp.resolve("svid").toString());

        oneLine(fetch, 1);
        assertThat(fetch.err()).contains("FAILED_PRECONDITION", "cert-authority refused", "cart.example.com", "is not allowed")
                .doesNotContain("UNAVAILABLE");
        assertThat(tmp.resolve("svid/cert.pem")).doesNotExist();
    }

    /** A workload's credentials, fetched with a join token for a new entry. */
    private Map<String, String> workload(Path dir, String spiffeId) {
        DevMesh.Run created = mesh.meshctl("entry", "create", "--spiffe-id", spiffeId, "--json");
        assertThat(created.code()).as(created.err()).isZero();
        String id = com.google.gson.JsonParser.parseString(created.out()).getAsJsonObject().getAsJsonObject("entry").get("id").getAsString();
        DevMesh.Run token = mesh.meshctl("join-token", "create", "--entry-id", id, "--json");
        String joinToken = com.google.gson.JsonParser.parseString(token.out()).getAsJsonObject().get("token").getAsString();
        DevMesh.Run fetched = mesh.meshctl("svid", "fetch", "--join-token", joinToken, "--out", dir.resolve("w").toString());
        assertThat(fetched.code()).as(fetched.err()).isZero();
        return Map.of("MESHID_DEV_DIR", mesh.dir.toString(), "MESHID_CERT", dir.resolve("w/cert.pem").toString(),
                "MESHID_KEY", dir.resolve("w/key.pem").toString(), "MESHID_BUNDLE", dir.resolve("w/bundle.pem").toString());
    }
}
