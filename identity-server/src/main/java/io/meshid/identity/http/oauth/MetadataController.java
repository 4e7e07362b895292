package io.meshid.identity.http.oauth;

import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bridge's authorization server metadata (RFC 8414) at
 * {@code /.well-known/oauth-authorization-server}, also served at
 * {@code /.well-known/openid-configuration} for clients that discover there (meshid issues no ID
 * tokens; the document says only what RFC 8414 defines).
 */
@Controller
final class MetadataController {

    static final List<String> SIGNING_ALGS = List.of("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512");

    private final BridgeRequests requests;

    MetadataController(BridgeRequests requests) {
        this.requests = requests;
    }

    @Get(uris = {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> metadata(HttpRequest<?> request) {
        String base = requests.baseUrl(request);
        List<String> methods = Arrays.stream(AuthMethod.values()).map(AuthMethod::wireName).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", requests.issuer());
        m.put("token_endpoint", base + TokenEndpoints.TOKEN);
        m.put("introspection_endpoint", base + TokenEndpoints.INTROSPECT);
        m.put("revocation_endpoint", base + TokenEndpoints.REVOKE);
        m.put("jwks_uri", base + "/.well-known/jwks.json");
        m.put("response_types_supported", List.of());
        m.put("grant_types_supported", Arrays.stream(GrantType.values()).map(GrantType::uri).toList());
        m.put("token_endpoint_auth_methods_supported", methods);
        m.put("token_endpoint_auth_signing_alg_values_supported", SIGNING_ALGS);
        m.put("introspection_endpoint_auth_methods_supported", methods);
        m.put("introspection_endpoint_auth_signing_alg_values_supported", SIGNING_ALGS);
        m.put("revocation_endpoint_auth_methods_supported", methods);
        m.put("revocation_endpoint_auth_signing_alg_values_supported", SIGNING_ALGS);
        m.put("tls_client_certificate_bound_access_tokens", true);
        m.put("mtls_endpoint_aliases", Map.of("token_endpoint", base + TokenEndpoints.TOKEN, "introspection_endpoint",
                base + TokenEndpoints.INTROSPECT, "revocation_endpoint", base + TokenEndpoints.REVOKE));
        m.put("access_token_signing_alg_values_supported", List.of("ES256"));
        m.put("service_documentation", base + OpenApiController.PATH);
        return OAuthReplies.json(HttpStatus.OK, m).header("Cache-Control", "public, max-age=300");
    }
}
