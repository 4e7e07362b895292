package io.meshid.identity.http.oauth;

import static io.meshid.identity.http.oauth.BridgeServer.basic;
import static io.meshid.identity.http.oauth.BridgeServer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document against the running bridge: the served document is docs/oauth-openapi.yaml;
 * every path it lists answers; each reply's JSON has the schema's required properties and no
 * property the schema does not declare; every error is one of the declared codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceTest {

    private BridgeServer bridge;
    private HttpClient http;
    private String secret;
    private Map<String, Object> doc;

    @BeforeAll
    void start() throws Exception {
        bridge = new BridgeServer(Map.of());
        http = bridge.http(Optional.empty());
        secret = bridge.client("openapi", AuthMethod.CLIENT_SECRET_BASIC, List.of(GrantType.CLIENT_CREDENTIALS), List.of("read"),
                List.of("https://api.example"), Optional.empty(), Optional.empty()).orElseThrow();
        HttpResponse<String> served = bridge.get(http, OpenApiController.PATH);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(Files.readString(Path.of("../docs/oauth-openapi.yaml")));
        doc = new Yaml().load(served.body());
    }

    @AfterAll
    void stop() {
        bridge.close();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Map<String, Object> m, String... keys) {
        Map<String, Object> cur = m;
        for (String k : keys) {
            cur = (Map<String, Object>) cur.get(k);
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    private void conforms(String schema, Map<String, Object> body) {
        Map<String, Object> s = map(doc, "components", "schemas", schema);
        Map<String, Object> properties = (Map<String, Object>) s.get("properties");
        assertThat(properties.keySet()).as(schema + " declares every property of " + body).containsAll(body.keySet());
        List<String> required = (List<String>) s.getOrDefault("required", List.of());
        assertThat(body.keySet()).as(schema + " required").containsAll(required);
    }

    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSONObjectUtils.parse(r.body());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPath_answersAsDocumented() throws Exception {
        Map<String, Object> paths = map(doc, "paths");
        assertThat(paths.keySet()).containsExactlyInAnyOrder("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke",
                "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/.well-known/jwks.json",
                "/.well-known/openapi.yaml");
        List<String> errors = (List<String>) map(doc, "components", "schemas", "Error", "properties", "error").get("enum");
        for (String path : paths.keySet()) {
            Map<String, Object> ops = map(paths, path);
            if (ops.containsKey("get")) {
                HttpResponse<String> r = bridge.get(http, path);
                assertThat(r.statusCode()).as(path).isEqualTo(200);
                Map<String, Object> content = map(ops, "get", "responses", "200", "content");
                assertThat(content.keySet()).as(path).contains(r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
            }
            if (ops.containsKey("post")) {
                HttpResponse<String> anonymous = bridge.post(http, path, form("token", "x", "grant_type", "client_credentials"));
                assertThat(map(ops, "post", "responses").keySet()).as(path).contains(Integer.toString(anonymous.statusCode()));
                assertThat(errors).contains((String) json(anonymous).get("error"));
                conforms("Error", json(anonymous));
                assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
                String idPattern = (String) map(doc, "components", "headers", "RequestId", "schema").get("pattern");
                assertThat(anonymous.headers().firstValue("X-Request-Id")).as(path).hasValueSatisfying(id -> assertThat(id).matches(idPattern));
            }
        }
        conforms("Metadata", json(bridge.get(http, "/.well-known/oauth-authorization-server")));
        HttpResponse<String> token = bridge.post(http, "/oauth2/token", form("grant_type", "client_credentials"),
                "Authorization", basic("openapi", secret));
        conforms("TokenResponse", json(token));
        String at = (String) json(token).get("access_token");
        conforms("Introspection", json(bridge.post(http, "/oauth2/introspect", form("token", at), "Authorization", basic("openapi", secret))));
        conforms("Introspection", json(bridge.post(http, "/oauth2/introspect", form("token", "x"), "Authorization", basic("openapi", secret))));
        HttpResponse<String> revoked = bridge.post(http, "/oauth2/revoke", form("token", at), "Authorization", basic("openapi", secret));
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(json(revoked)).isEmpty();
    }
}
