package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The base64url protected headers of one signing key, {@code {"alg":"ES256","kid":…,"typ":…}},
 * written once per {@code typ} and reused for every token that key signs (meshid uses two
 * {@code typ} values). Thread-safe.
 */
final class ProtectedHeaders {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final int MAX_TYPES = 8;

    private final String kid;
    private final Map<String, byte[]> encoded = new ConcurrentHashMap<>();

    ProtectedHeaders(String kid) {
        this.kid = kid;
    }

    /** The encoded header for {@code typ}, as ASCII bytes; the caller must not change them. */
    byte[] of(JOSEObjectType typ) {
        byte[] known = encoded.get(typ.getType());
        if (known != null) {
            return known;
        }
        byte[] header = encode(kid, typ);
        if (encoded.size() < MAX_TYPES) {
            encoded.putIfAbsent(typ.getType(), header);
        }
        return header;
    }

    private static byte[] encode(String kid, JOSEObjectType typ) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("alg", "ES256");
        json.put("kid", kid);
        json.put("typ", typ.getType());
        return B64.encode(JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8));
    }
}
