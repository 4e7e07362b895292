package io.meshid.policy.testing;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.mapping.MeshRequest;
import java.util.Map;

/** Short ways to write mesh requests in tests. */
public final class Requests {

    private Requests() {}

    public static MeshRequest request(String principal, String action, String resource) {
        return request(principal, action, resource, "/", Map.of(), "", Map.of());
    }

    public static MeshRequest request(String principal, String action, String resource, String path,
            Map<String, String> headers, String source, Map<String, Object> attributes) {
        return new MeshRequest(SpiffeId.parse(principal), action, SpiffeId.parse(resource), path, headers, source, null,
                attributes, "req-1");
    }
}
