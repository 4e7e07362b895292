package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The request id of a request: its {@code x-request-id} when that is a short token of safe
 * characters, else a new random one, set on the request so that the workload and policy-server
 * see the same id. Stateless.
 */
public final class RequestIds {

    /** The header name. */
    public static final String HEADER = "x-request-id";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    /** The id of the request, now set in its headers. */
    public static String ensure(HttpHeaders headers) {
        String id = headers.get(HEADER);
        if (id == null || !SAFE.matcher(id).matches()) {
            id = UUID.randomUUID().toString();
            headers.set(HEADER, id);
        }
        return id;
    }
}
