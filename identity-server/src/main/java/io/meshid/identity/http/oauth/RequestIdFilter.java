package io.meshid.identity.http.oauth;

import io.meshid.common.server.RequestIds;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Gives every request on identity-server's HTTP port (the bridge, the JWKS, health) a request id,
 * as {@code RequestIdServerInterceptor} does for gRPC: the caller's {@code X-Request-Id} when it is
 * well formed (1 to 128 of {@code A-Z a-z 0-9 . _ : -}), else a new random one, so a caller cannot
 * put text into logs or audit events through it. The id is echoed in the response's
 * {@code X-Request-Id}; the bridge's endpoints run under it ({@link BridgeRequests}), so their
 * audit events and log lines carry it. Stateless and thread-safe.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class RequestIdFilter {

    /** The response header; HTTP header names are case-insensitive, so this is gRPC's {@code x-request-id}. */
    static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = "meshid.request-id";

    @RequestFilter
    void assign(HttpRequest<?> request) {
        request.setAttribute(ATTRIBUTE, RequestIds.acceptOrCreate(request.getHeaders().get(HEADER)));
    }

    @ResponseFilter
    void echo(HttpRequest<?> request, MutableHttpResponse<?> response) {
        response.getHeaders().set(HEADER, of(request));
    }

    /** The request id of {@code request}: the one this filter assigned, or (were it not run) one made now from the header. */
    static String of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, String.class).orElseGet(() -> {
            String id = RequestIds.acceptOrCreate(request.getHeaders().get(HEADER));
            request.setAttribute(ATTRIBUTE, id);
            return id;
        });
    }
}
