package io.meshid.policy.mapping;

import io.meshid.common.errors.MeshidException;
import io.meshid.policy.PolicyConfig;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the request headers that go into the Cedar context: only names listed in {@code
 * meshid.policy.context-headers}, never a credential header, and each within policy.proto's
 * bounds. Thread-safe.
 */
final class Headers {

    private Headers() {}

    /**
     * Checks the bounds of every header the caller sent (meshid's CheckRequest: the sidecar sends
     * only chosen headers, so too many or too long is the caller's error) and keeps the allowed ones.
     */
    static Map<String, String> checkedAndChosen(Map<String, String> sent, Set<String> allowed) {
        if (sent.size() > MeshRequest.MAX_HEADERS) {
            throw new MeshidException.InvalidArgument("context.headers: " + sent.size() + " entries (expected: at most "
                    + MeshRequest.MAX_HEADERS + ")");
        }
        Map<String, String> chosen = new HashMap<>();
        for (Map.Entry<String, String> header : sent.entrySet()) {
            check(header.getKey(), header.getValue());
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (allowed.contains(name) && !PolicyConfig.CREDENTIAL_HEADERS.contains(name)) {
                chosen.put(name, header.getValue());
            }
        }
        return chosen;
    }

    /**
     * Keeps the allowed ones of all the headers of a proxied request (Envoy sends every header),
     * checking the bounds of those kept only.
     */
    static Map<String, String> chosen(Map<String, String> all, Set<String> allowed) {
        Map<String, String> chosen = new HashMap<>();
        for (String name : allowed) {
            String value = all.get(name);
            if (value != null && !PolicyConfig.CREDENTIAL_HEADERS.contains(name)) {
                check(name, value);
                chosen.put(name, value);
            }
        }
        return chosen;
    }

    private static void check(String name, String value) {
        if (name.isEmpty() || MeshRequest.utf8(name) > MeshRequest.MAX_HEADER_NAME) {
            throw new MeshidException.InvalidArgument("context.headers: a name of " + MeshRequest.utf8(name)
                    + " bytes (expected: 1 to " + MeshRequest.MAX_HEADER_NAME + ")");
        }
        if (MeshRequest.utf8(value) > MeshRequest.MAX_HEADER_VALUE) {
            throw new MeshidException.InvalidArgument("context.headers[" + printable(name) + "]: " + MeshRequest.utf8(value)
                    + " bytes (expected: at most " + MeshRequest.MAX_HEADER_VALUE + ")");
        }
    }

    static String printable(String value) {
        String cut = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return cut.replaceAll("[\\p{Cntrl}]", "?");
    }
}
