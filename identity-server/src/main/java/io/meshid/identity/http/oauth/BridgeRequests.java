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
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.scheduling.TaskExecutors;
import io.grpc.Context;
import io.meshid.common.server.InlineCalls;
import io.meshid.identity.exchange.ExternalIssuerConfig;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.identity.oauth.OAuthClients;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * What every bridge endpoint does before its own step, in order: the per-source rate limit; only
 * {@code application/x-www-form-urlencoded}, at most {@link #MAX_BODY} bytes; the strict form;
 * the client's authentication ({@link ClientAuthenticator}). Failures go through
 * {@link OAuthReplies}, the one mapping to OAuth error JSON. All of it runs under the request's id
 * ({@link RequestIdFilter}), which audit events, log lines and 5xx error descriptions carry.
 *
 * <p>Where it runs ({@link #dispatch}): on the event loop that read the request, as identity-server's
 * gRPC door runs {@code MintJwtSvid} ({@link InlineCalls}), when everything the request needs is
 * in memory: the shared store is the in-process one (rate limits, lockout), the client uses a
 * secret (Basic or form) and its registration is in {@link OAuthClients}' cache, and the request
 * is a {@code client_credentials} grant while the trust domain's signing key is in memory, or an
 * introspection while no external issuer is configured (revocations are checked against this
 * replica's view in memory). Everything else (Redis, a client read from the database, token
 * exchange, client assertions, revocation) runs on the blocking executor, as before. Both paths
 * run the same steps, so replies, limits and audit events are identical. Thread-safe.
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

    private final boolean localStore;
    private final OAuthClients clients;
    private final JwtKeyManager keys;
    private final boolean localTokenChecks;
    private final ExecutorService blocking;

    /**
     * What the steps read of a request, whichever server part received it: Micronaut's routing
     * ({@link #of(HttpRequest)}) or the bridge's own event-loop handler ({@link FastBridgeHandler}).
     */
    interface Incoming {
        /** The first value of header {@code name}, or null. */
        String header(CharSequence name);

        /** The peer's IP address. */
        String source();

        /** The TLS client certificate, if the peer sent one. */
        Optional<X509Certificate> certificate();

        /** The request's id ({@link RequestIdFilter}). */
        String requestId();

        /** The local address the request came in on. */
        java.net.InetSocketAddress serverAddress();

        boolean secure();
    }

    /** A request received through Micronaut's routing. */
    static Incoming of(HttpRequest<?> request) {
        return new Incoming() {
            @Override
            public String header(CharSequence name) {
                return request.getHeaders().get(name);
            }

            @Override
            public String source() {
                return request.getRemoteAddress().getAddress().getHostAddress();
            }

            @Override
            public Optional<X509Certificate> certificate() {
                return request.getCertificate().filter(X509Certificate.class::isInstance).map(X509Certificate.class::cast);
            }

            @Override
            public String requestId() {
                return RequestIdFilter.of(request);
            }

            @Override
            public java.net.InetSocketAddress serverAddress() {
                return request.getServerAddress();
            }

            @Override
            public boolean secure() {
                return request.isSecure();
            }
        };
    }

    /** Which endpoint a request is for, as far as running it on the event loop goes. */
    enum Kind {
        TOKEN, INTROSPECT
    }

    BridgeRequests(ClientAuthenticator authenticator, SharedStore store, Clock clock, OAuthConfig config, MeshidConfig meshid,
            Issuers issuers, OAuthClients clients, JwtKeyManager keys, List<ExternalIssuerConfig> externalIssuers,
            @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.authenticator = authenticator;
        this.limiter = new RateLimiter(store, clock);
        this.config = config;
        this.home = meshid.getTrustDomain();
        this.issuers = issuers;
        this.localStore = "in-process".equals(store.kind());
        this.clients = clients;
        this.keys = keys;
        this.localTokenChecks = externalIssuers.isEmpty();
        this.blocking = blocking;
    }

    /**
     * Runs {@code step} as {@link #handle} does: right here on the event loop when the request
     * touches memory alone (see the class comment), otherwise on the blocking executor.
     */
    CompletableFuture<MutableHttpResponse<String>> dispatch(HttpRequest<?> request, String body, Kind kind,
            BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step) {
        Incoming in = of(request);
        OAuthReplies.Reply inline = inline(in, body, kind, step);
        if (inline != null) {
            return CompletableFuture.completedFuture(inline.toResponse());
        }
        Supplier<MutableHttpResponse<String>> run = () -> handle(in, body, step).toResponse();
        return CompletableFuture.supplyAsync(PropagatedContext.wrapCurrent(run), blocking);
    }

    /**
     * The reply to the request, answered right here when it touches memory alone (see the class
     * comment), or null when it must run on the blocking executor.
     */
    OAuthReplies.Reply inline(Incoming in, String body, Kind kind,
            BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step) {
        Parsed parsed = inMemory(in, body, kind);
        if (parsed == null) {
            return null;
        }
        // As the gRPC door's inline calls: code that could block (a key re-read) answers from memory and works in the background.
        Context inline = Context.current().withValue(InlineCalls.INLINE, Boolean.TRUE);
        Context previous = inline.attach();
        try {
            return RequestIds.callWith(in.requestId(), () -> serve(in, body, step, parsed));
        } finally {
            inline.detach(previous);
        }
    }

    /**
     * The form and the Basic credentials of a request that passed {@link #inMemory}: the same
     * values {@link #serve} would read from the body and the header, read once.
     */
    private record Parsed(Form form, String[] basic) {
    }

    /**
     * The parsed request when it can be served from memory alone, else null. Only a cheap look:
     * anything unusual (a malformed request included) goes to the executor, whose run answers it.
     */
    private Parsed inMemory(Incoming request, String body, Kind kind) {
        if (!localStore || body == null || body.length() > MAX_BODY) {
            return null;
        }
        try {
            if (!isForm(request.header(HttpHeaders.CONTENT_TYPE))) {
                return null;
            }
            Form form = Form.parse(body);
            if (form.one("client_assertion").isPresent() || form.one("client_assertion_type").isPresent()) {
                return null;
            }
            String header = request.header(HttpHeaders.AUTHORIZATION);
            String[] basic = null;
            Optional<String> id;
            if (header != null) {
                basic = basic(header);
                id = Optional.of(basic[0]);
            } else if (form.one("client_secret").isPresent()) {
                id = form.one("client_id");
            } else {
                return null;
            }
            if (id.isEmpty() || !clients.inMemory(home, id.get())) {
                return null;
            }
            boolean local = switch (kind) {
                case TOKEN -> form.one("grant_type").filter("client_credentials"::equals).isPresent() && keys.signingKeyInMemory(home);
                case INTROSPECT -> localTokenChecks;
            };
            return local ? new Parsed(form, basic) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code type} is {@value #FORM}, parameters aside, ASCII letters in any case (what
     * lower-casing and splitting it accepted, without the copies).
     */
    static boolean isForm(String type) {
        if (type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        if (media.length() != FORM.length()) {
            return false;
        }
        for (int i = 0; i < media.length(); i++) {
            char ch = media.charAt(i);
            if ((ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch) != FORM.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code step} for the authenticated client of {@code request}, or answers the failure. */
    OAuthReplies.Reply handle(HttpRequest<?> request, String body, BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step) {
        return handle(of(request), body, step);
    }

    private OAuthReplies.Reply handle(Incoming request, String body,
            BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step) {
        // The request's id is current while the domain services run: their audit events and log lines carry it.
        return RequestIds.callWith(request.requestId(), () -> serve(request, body, step, null));
    }

    /** The steps in order; {@code parsed}, when not null, holds the form and Basic credentials already read. */
    private OAuthReplies.Reply serve(Incoming request, String body,
            BiFunction<AuthenticatedClient, Form, OAuthReplies.Reply> step, Parsed parsed) {
        boolean basic = authorization(request).isPresent();
        try {
            String source = request.source();
            if (!limiter.acquire("oauth", SourceAddresses.limitKey(source), RateLimit.perSecond(config.getRequestsPerSourcePerSecond()))
                    .allowed()) {
                throw new OAuthError("invalid_request", 429, "rate limit: more than " + config.getRequestsPerSourcePerSecond()
                        + " requests per second from this source (expected: fewer; retry after the Retry-After seconds)", 1);
            }
            String type = request.header(HttpHeaders.CONTENT_TYPE);
            if (!isForm(type)) {
                throw OAuthError.invalidRequest("Content-Type: " + (type == null ? "missing" : Form.shorten(type)) + " (expected: "
                        + FORM + ")");
            }
            if (body != null && body.length() > MAX_BODY) {
                throw new OAuthError("invalid_request", 413, "body: more than " + MAX_BODY + " bytes");
            }
            Form form = parsed != null ? parsed.form() : Form.parse(body);
            String[] idAndSecret = parsed != null ? parsed.basic() : null;
            // The audiences only matter to a client assertion: computed when one is verified, not per request.
            AuthenticatedClient client = authenticator.authenticate(home, credentials(request, form, source, idAndSecret),
                    () -> audiences(request));
            return step.apply(client, form);
        } catch (RuntimeException e) {
            return OAuthReplies.failure(e, basic);
        }
    }

    /** The issuer of the home trust domain's tokens. */
    String issuer() {
        return issuers.issuer(home);
    }

    /** The bridge's base URL: configured, or the request's {@code https://} Host. */
    String baseUrl(HttpRequest<?> request) {
        return baseUrl(of(request));
    }

    private String baseUrl(Incoming request) {
        return config.getBaseUrl().orElseGet(() -> {
            String host = request.header(HttpHeaders.HOST);
            if (host == null || !host.matches("[A-Za-z0-9.\\-\\[\\]:]{1,300}")) {
                host = request.serverAddress().getHostString() + ":" + request.serverAddress().getPort();
            }
            return (request.secure() ? "https://" : "http://") + host;
        });
    }

    private Set<String> audiences(Incoming request) {
        String base = baseUrl(request);
        // A set, not Set.of: the issuer is often the base URL itself (meshid.identity.jwt.issuer).
        return new java.util.HashSet<>(java.util.List.of(issuer(), base, base + "/oauth2/token"));
    }

    private static Optional<String> authorization(Incoming request) {
        return Optional.ofNullable(request.header(HttpHeaders.AUTHORIZATION));
    }

    /** The client id and secret of a Basic {@code Authorization} header, or {@code invalid_client}. */
    private static String[] basic(String h) {
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
            return new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
        } catch (IllegalArgumentException e) {
            throw OAuthError.invalidClient("Authorization: malformed percent-encoding in the client id or secret");
        }
    }

    /** The request's credentials; {@code parsedBasic}, when not null, is the Basic header already decoded. */
    private static ClientCredentials credentials(Incoming request, Form form, String source, String[] parsedBasic) {
        Optional<String> basicId = Optional.empty();
        Optional<String> basicSecret = Optional.empty();
        Optional<String> header = authorization(request);
        if (header.isPresent()) {
            String[] idAndSecret = parsedBasic != null ? parsedBasic : basic(header.get());
            basicId = Optional.of(idAndSecret[0]);
            basicSecret = Optional.of(idAndSecret[1]);
        }
        // The TLS client certificate only matters when no other method is used (tls_client_auth): asking
        // the TLS session for one costs an exception when the peer sent none, so it is asked only then.
        boolean otherMethod = basicId.isPresent() || form.one("client_secret").isPresent() || form.one("client_assertion").isPresent()
                || form.one("client_assertion_type").isPresent();
        Optional<X509Certificate> certificate = otherMethod ? Optional.empty() : request.certificate();
        return new ClientCredentials(basicId, basicSecret, form.one("client_id"), form.one("client_secret"),
                form.one("client_assertion_type"), form.one("client_assertion"), certificate, source);
    }
}
