package io.meshid.policy.mapping;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's ext_authz {@code CheckRequest} to a {@link MeshRequest}: {@code source.principal} is the
 * caller's SPIFFE ID (the URI SAN of its client certificate), {@code destination.principal} the
 * resource, the action is the HTTP method, or the gRPC full method ({@code /pkg.Service/Method},
 * the path) when the content type is {@code application/grpc*}; the path loses its query string;
 * the source address is {@code source.address}'s IP without port. Envoy sends every header: only
 * those in {@code meshid.policy.context-headers} are kept (never credentials). Thread-safe.
 */
public final class EnvoyRequests {

    private EnvoyRequests() {}

    /** The request Envoy describes, keeping only the headers in {@code contextHeaders}. */
    public static MeshRequest of(CheckRequest check, Set<String> contextHeaders) {
        AttributeContext attributes = check.getAttributes();
        var principal = SpiffeIds.parse("attributes.source.principal", attributes.getSource().getPrincipal(),
                "the caller's SPIFFE ID from its client certificate: mutual TLS between the workloads");
        var resource = SpiffeIds.parse("attributes.destination.principal", attributes.getDestination().getPrincipal(),
                "the destination's SPIFFE ID from its certificate");
        AttributeContext.HttpRequest http = attributes.getRequest().getHttp();
        Map<String, String> all = headers(http);
        String path = http.getPath();
        int query = path.indexOf('?');
        path = query < 0 ? path : path.substring(0, query);
        String contentType = all.getOrDefault("content-type", "");
        String action = contentType.startsWith("application/grpc") ? path : http.getMethod();
        String address = attributes.getSource().getAddress().getSocketAddress().getAddress();
        Instant time = attributes.getRequest().hasTime()
                ? Instant.ofEpochSecond(attributes.getRequest().getTime().getSeconds(), Math.max(0, attributes.getRequest().getTime().getNanos()))
                : null;
        String requestId = all.getOrDefault("x-request-id", http.getId());
        if (requestId.length() > MeshRequest.MAX_REQUEST_ID) {
            requestId = requestId.substring(0, MeshRequest.MAX_REQUEST_ID);
        }
        return new MeshRequest(principal, action, resource, path, Headers.chosen(all, contextHeaders), address, time,
                Map.of(), requestId);
    }

    /** Envoy fills {@code headers} (a map) or, when configured to, {@code header_map}. */
    private static Map<String, String> headers(AttributeContext.HttpRequest http) {
        if (http.getHeadersCount() > 0 || !http.hasHeaderMap()) {
            return http.getHeadersMap();
        }
        Map<String, String> joined = new HashMap<>();
        for (HeaderValue header : http.getHeaderMap().getHeadersList()) {
            String value = header.getValue().isEmpty() ? header.getRawValue().toStringUtf8() : header.getValue();
            joined.merge(header.getKey().toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b);
        }
        return joined;
    }
}
