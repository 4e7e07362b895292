package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id of a request: its {@code x-request-id} when that is a short token of safe
 * characters, else a new random one, set on the request so that the workload and policy-server
 * see the same id. A new id is a version-4 UUID from the thread's {@link ThreadLocalRandom}: it
 * correlates logs and is no secret, so it needs no {@code SecureRandom} (whose shared, locked
 * generator cost a microsecond or more per request on the data path). Stateless.
 */
public final class RequestIds {

    /** The header name. */
    public static final String HEADER = "x-request-id";

    private static final AsciiString HEADER_ASCII = AsciiString.cached(HEADER);

    private RequestIds() {
    }

    /** The id of the request, now set in its headers. */
    public static String ensure(HttpHeaders headers) {
        String id = headers.get(HEADER_ASCII);
        if (id == null || !safe(id)) {
            id = newId();
            headers.set(HEADER_ASCII, id);
        }
        return id;
    }

    /** Whether {@code id} is 1 to 128 characters of {@code [A-Za-z0-9._:-]}. */
    static boolean safe(String id) {
        int n = id.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == ':' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** A new random (version 4, IETF variant) UUID. */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
