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
        response.header("X-Content-Type-Options", "nosniff");
        response.header("X-Frame-Options", "DENY");
        response.header("Referrer-Policy", "no-referrer");
        response.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        response.header("Strict-Transport-Security", "max-age=31536000");
        if (!response.getHeaders().contains("Cache-Control")) {
            response.header("Cache-Control", "no-store");
        }
    }
}
