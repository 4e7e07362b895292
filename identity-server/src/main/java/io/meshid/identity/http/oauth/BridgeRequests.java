package io.meshid.identity.http.oauth;

import io.meshid.common.ratelimit.RateLimit;
import io.meshid.common.ratelimit.RateLimiter;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.RequestIds;
import io.meshid.common.server.SourceAddresses;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.identity.jwt.Issuers;
import io.meshid.identity.oauth.AuthenticatedClient;
import io.meshid.identity.oauth.ClientAuthenticator;
import io.meshid.identity.oauth.ClientCredentials;
import io.meshid.identity.oauth.OAuthConfig;
import io.meshid.identity.oauth.OAuthError;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Singleton;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * What every bridge endpoint does before its own step, in order: the per-source rate limit; only
 * {@code application/x-www-form-urlencoded}, at most {@link #MAX_BODY} bytes; the strict form;
 * the client's authentication ({@link ClientAuthenticator}). Failures go through
 * {@link OAuthReplies}, the one mapping to OAuth error JSON. All of it runs under the request's id
 * ({@link RequestIdFilter}), which audit events, log lines and 5xx error descriptions carry. Thread-safe.
 */
@Singleton
final class BridgeRequests {

    /** Largest body read: two 8 KiB tokens and their parameters fit. */
    static final int MAX_BODY = 64 * 1024;
    static final String FORM = "application/x-www-form-urlencoded";

    private final ClientAuthenticator authenticator;
    private final RateLimiter limiter;
    private final OAuthConfig config;
    private final TrustDomain home;
    private final Issuers issuers;

    BridgeRequests(ClientAuthenticator authenticator, SharedStore store, Clock clock, OAuthConfig config, MeshidConfig meshid,
            Issuers issuers) {
        this.authenticator = authenticator;
        this.limiter = new RateLimiter(store, clock);
        this.config = config;
        this.home = meshid.getTrustDomain();
        this.issuers = issuers;
    }

    /** Runs {@code step} for the authenticated client of {@code request}, or answers the failure. */
    MutableHttpResponse<String> handle(HttpRequest<?> request, String body, BiFunction<AuthenticatedClient, Form, MutableHttpResponse<String>> step) {
        // The request's id is current while the domain services run: their audit events and log lines carry it.
        return RequestIds.callWith(RequestIdFilter.of(request), () -> serve(request, body, step));
    }

    private MutableHttpResponse<String> serve(HttpRequest<?> request, String body,
            BiFunction<AuthenticatedClient, Form, MutableHttpResponse<String>> step) {
        boolean basic = authorization(request).isPresent();
        try {
            String source = source(request);
            if (!limiter.acquire("oauth", SourceAddresses.limitKey(source), RateLimit.perSecond(config.getRequestsPerSourcePerSecond()))
                    .allowed()) {
                throw new OAuthError("invalid_request", 429, "rate limit: more than " + config.getRequestsPerSourcePerSecond()
                        + " requests per second from this source (expected: fewer; retry after the Retry-After seconds)", 1);
            }
            String type = request.getHeaders().get(HttpHeaders.CONTENT_TYPE);
            if (type == null || !type.toLowerCase(Locale.ROOT).split(";", 2)[0].trim().equals(FORM)) {
                throw OAuthError.invalidRequest("Content-Type: " + (type == null ? "missing" : Form.shorten(type)) + " (expected: "
                        + FORM + ")");
            }
            if (body != null && body.length() > MAX_BODY) {
                throw new OAuthError("invalid_request", 413, "body: more than " + MAX_BODY + " bytes");
            }
            Form form = Form.parse(body);
            AuthenticatedClient client = authenticator.authenticate(home, credentials(request, form, source), audiences(request));
            return step.apply(client, form);
        } catch (RuntimeException e) {
            return OAuthReplies.error(e, basic);
        }
    }

    /** The issuer of the home trust domain's tokens. */
    String issuer() {
        return issuers.issuer(home);
    }

    /** The bridge's base URL: configured, or the request's {@code https://} Host. */
    String baseUrl(HttpRequest<?> request) {
        return config.getBaseUrl().orElseGet(() -> {
            String host = request.getHeaders().get(HttpHeaders.HOST);
            if (host == null || !host.matches("[A-Za-z0-9.\\-\\[\\]:]{1,300}")) {
                host = request.getServerAddress().getHostString() + ":" + request.getServerAddress().getPort();
            }
            return (request.isSecure() ? "https://" : "http://") + host;
        });
    }

    private Set<String> audiences(HttpRequest<?> request) {
        String base = baseUrl(request);
        // A set, not Set.of: the issuer is often the base URL itself (meshid.identity.jwt.issuer).
        return new java.util.HashSet<>(java.util.List.of(issuer(), base, base + "/oauth2/token"));
    }

    private static String source(HttpRequest<?> request) {
        return request.getRemoteAddress().getAddress().getHostAddress();
    }

    private static Optional<String> authorization(HttpRequest<?> request) {
        return Optional.ofNullable(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    }

    private static ClientCredentials credentials(HttpRequest<?> request, Form form, String source) {
        Optional<String> basicId = Optional.empty();
        Optional<String> basicSecret = Optional.empty();
        Optional<String> header = authorization(request);
        if (header.isPresent()) {
            String h = header.get();
            if (!h.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw OAuthError.invalidClient("Authorization: not Basic (expected: Basic with the client id and secret, or none)");
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw OAuthError.invalidClient("Authorization: not base64 (expected: Basic base64(client_id:client_secret))");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw OAuthError.invalidClient("Authorization: no ':' (expected: Basic base64(client_id:client_secret))");
            }
            try {
                // RFC 6749 section 2.3.1: both parts are form-urlencoded before the Basic encoding.
                basicId = Optional.of(URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8));
                basicSecret = Optional.of(URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw OAuthError.invalidClient("Authorization: malformed percent-encoding in the client id or secret");
            }
        }
        Optional<X509Certificate> certificate = request.getCertificate().filter(X509Certificate.class::isInstance)
                .map(X509Certificate.class::cast);
        return new ClientCredentials(basicId, basicSecret, form.one("client_id"), form.one("client_secret"),
                form.one("client_assertion_type"), form.one("client_assertion"), certificate, source);
    }
}
