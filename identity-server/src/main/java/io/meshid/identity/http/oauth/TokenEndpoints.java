package io.meshid.identity.http.oauth;

import io.meshid.identity.oauth.AuthenticatedClient;
import io.meshid.identity.oauth.GrantType;
import io.meshid.identity.oauth.OAuthError;
import io.meshid.identity.oauth.OAuthTokens;
import io.meshid.identity.oauth.TokenReply;
import io.meshid.identity.oauth.TokenRequest;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The OAuth 2.0 bridge's POST endpoints on identity-server's HTTPS port: token (RFC 6749, 8693,
 * 7523), introspection (RFC 7662) and revocation (RFC 7009). Each reads the form, has the client
 * authenticated ({@link BridgeRequests}), makes one call to {@link OAuthTokens} and writes the
 * reply; any other method is 405 with an OAuth error. Token and introspection requests that need
 * memory alone are answered on the event loop, the others on the blocking executor
 * ({@link BridgeRequests#dispatch}); revocation always runs on the blocking executor.
 */
@Controller
final class TokenEndpoints {

    static final String TOKEN = "/oauth2/token";
    static final String INTROSPECT = "/oauth2/introspect";
    static final String REVOKE = "/oauth2/revoke";

    private final BridgeRequests requests;
    private final OAuthTokens tokens;
    private final BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> tokenStep = this::tokenStep;
    private final BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> introspectStep = this::introspectStep;

    TokenEndpoints(BridgeRequests requests, OAuthTokens tokens) {
        this.requests = requests;
        this.tokens = tokens;
    }

    @Post(uri = TOKEN, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    CompletableFuture<MutableHttpResponse<String>> token(HttpRequest<?> request, @Nullable @Body String body) {
        return requests.dispatch(request, body, BridgeRequests.Kind.TOKEN, tokenStep);
    }

    @Post(uri = INTROSPECT, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    CompletableFuture<MutableHttpResponse<String>> introspect(HttpRequest<?> request, @Nullable @Body String body) {
        return requests.dispatch(request, body, BridgeRequests.Kind.INTROSPECT, introspectStep);
    }

    /** What {@code kind}'s endpoint does for an authenticated client; {@link FastBridgeHandler} runs the same. */
    BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step(BridgeRequests.Kind kind) {
        return kind == BridgeRequests.Kind.TOKEN ? tokenStep : introspectStep;
    }

    private OAuthReplies.Reply tokenStep(AuthenticatedClient client, Form form) {
        String grant = form.required("grant_type", "client_credentials, " + GrantType.TOKEN_EXCHANGE.uri() + " or "
                + GrantType.JWT_BEARER.uri());
        GrantType type = GrantType.of(grant).orElseThrow(() -> OAuthError.unsupportedGrantType("grant_type: '" + Form.shorten(grant)
                + "' (expected: client_credentials, " + GrantType.TOKEN_EXCHANGE.uri() + " or " + GrantType.JWT_BEARER.uri() + ")"));
        List<String> scopes = form.one("scope").map(s -> Arrays.stream(s.split(" ")).filter(x -> !x.isEmpty()).toList())
                .orElse(List.of());
        TokenReply reply = tokens.token(client, new TokenRequest(type, scopes, form.all("audience"), form.all("resource"),
                form.one("subject_token"), form.one("subject_token_type"), form.one("actor_token"), form.one("actor_token_type"),
                form.one("requested_token_type"), form.one("assertion")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("access_token", reply.accessToken());
        reply.issuedTokenType().ifPresent(t -> out.put("issued_token_type", t));
        out.put("token_type", reply.tokenType());
        out.put("expires_in", reply.expiresIn());
        if (!reply.scopes().isEmpty()) {
            out.put("scope", String.join(" ", reply.scopes()));
        }
        return OAuthReplies.reply(200, out);
    }

    private OAuthReplies.Reply introspectStep(AuthenticatedClient client, Form form) {
        return OAuthReplies.reply(200, tokens.introspect(client, form.required("token", "the token to introspect")));
    }

    @Post(uri = REVOKE, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<String> revoke(HttpRequest<?> request, @Nullable @Body String body) {
        return requests.handle(request, body, (client, form) -> {
            tokens.revoke(client, form.required("token", "the token to revoke"));
            return OAuthReplies.reply(200, Map.of());
        }).toResponse();
    }

    @Get(uris = {TOKEN, INTROSPECT, REVOKE}, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> get() {
        return notAllowed();
    }

    @Put(uris = {TOKEN, INTROSPECT, REVOKE}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> put() {
        return notAllowed();
    }

    @Delete(uris = {TOKEN, INTROSPECT, REVOKE}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> delete() {
        return notAllowed();
    }

    @Patch(uris = {TOKEN, INTROSPECT, REVOKE}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> patch() {
        return notAllowed();
    }

    private static HttpResponse<String> notAllowed() {
        return OAuthReplies.error(new OAuthError("invalid_request", 405, "method: only POST with " + BridgeRequests.FORM
                + " is accepted here (RFC 6749 section 3.2)"), false).header("Allow", "POST");
    }
}
