package io.meshid.identity.http.oauth;

import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Security headers on every response of identity-server's HTTP port (the bridge, the JWKS, health):
 * no sniffing, no framing, no referrer, HSTS, a CSP that allows nothing (these are JSON APIs),
 * and {@code Cache-Control: no-store} unless the endpoint set its own caching. The bridge's
 * event-loop handler ({@link FastBridgeHandler}) adds the same ({@link #apply}).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class SecurityHeadersFilter {

    private static final Map<String, String> HEADERS = Map.of(
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
            "Strict-Transport-Security", "max-age=31536000");

    @ResponseFilter
    void headers(MutableHttpResponse<?> response) {
        apply(response.getHeaders().contains("Cache-Control"), response::header);
    }

    /** Gives {@code set} every header; {@code Cache-Control} only when the response has none ({@code hasCacheControl}). */
    static void apply(boolean hasCacheControl, BiConsumer<String, String> set) {
        HEADERS.forEach(set);
        if (!hasCacheControl) {
            set.accept("Cache-Control", "no-store");
        }
    }
}
