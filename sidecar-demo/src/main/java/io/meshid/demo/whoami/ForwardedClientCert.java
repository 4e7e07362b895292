package io.meshid.demo.whoami;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The caller identity a sidecar passes to its workload in {@code x-forwarded-client-cert}, in
 * Envoy's form: elements separated by {@code ,}, each a list of {@code Key=Value} pairs separated
 * by {@code ;}, values optionally in double quotes (with {@code \"} inside). meshid's sidecar sends
 * one element, {@code By=<this workload's SPIFFE ID>;URI=<the verified caller's SPIFFE ID>}
 * (docs/sidecar.md, "Headers"); when several are present the last one is the nearest proxy's.
 *
 * @param by  the SPIFFE ID of the workload the certificate was presented to ({@code By})
 * @param uri the caller's SPIFFE ID ({@code URI})
 */
public record ForwardedClientCert(String by, String uri) {

    /** The last element of {@code header}, or empty when the header is absent, malformed, or names no {@code URI}. */
    public static Optional<ForwardedClientCert> parse(String header) {
        if (header == null || header.isBlank() || header.length() > 8192) {
            return Optional.empty();
        }
        List<Map<String, String>> elements = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        StringBuilder key = new StringBuilder();
        StringBuilder value = new StringBuilder();
        boolean inValue = false;
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < header.length()) {
                    value.append(header.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    value.append(c);
                }
            } else if (c == '"' && inValue && value.isEmpty()) {
                quoted = true;
            } else if (c == '=' && !inValue) {
                inValue = true;
            } else if (c == ';' || c == ',') {
                if (!pair(current, key, value, inValue)) {
                    return Optional.empty();
                }
                inValue = false;
                if (c == ',') {
                    elements.add(current);
                    current = new LinkedHashMap<>();
                }
            } else if (inValue) {
                value.append(c);
            } else {
                key.append(c);
            }
        }
        if (quoted || !pair(current, key, value, inValue)) {
            return Optional.empty();
        }
        elements.add(current);
        Map<String, String> last = elements.getLast();
        String uri = last.get("uri");
        return uri == null || uri.isEmpty() ? Optional.empty() : Optional.of(new ForwardedClientCert(last.getOrDefault("by", ""), uri));
    }

    /** Adds the pair read so far (keys are case-insensitive); false when it has no '='. */
    private static boolean pair(Map<String, String> element, StringBuilder key, StringBuilder value, boolean hadEquals) {
        String k = key.toString().trim();
        key.setLength(0);
        String v = value.toString().trim();
        value.setLength(0);
        if (k.isEmpty() && !hadEquals) {
            return true; // an empty element or a trailing separator
        }
        if (!hadEquals || k.isEmpty()) {
            return false;
        }
        element.put(k.toLowerCase(java.util.Locale.ROOT), v);
        return true;
    }
}
