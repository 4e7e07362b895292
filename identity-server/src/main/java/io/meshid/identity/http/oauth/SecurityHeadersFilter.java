package io.meshid.identity.http.oauth;

import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Security headers on every response of identity-server's HTTP port (the bridge, the JWKS, health):
 * no sniffing, no framing, no referrer, HSTS, a CSP that allows nothing (these are JSON APIs),
 * and {@code Cache-Control: no-store} unless the endpoint set its own caching.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class SecurityHeadersFilter {

    @ResponseFilter
    void headers(MutableHttpResponse<?> response) {
        var h = response.getHeaders();
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        h.set("Strict-Transport-Security", "max-age=31536000");
        if (!h.contains("Cache-Control")) {
            h.set("Cache-Control", "no-store");
        }
    }
}
