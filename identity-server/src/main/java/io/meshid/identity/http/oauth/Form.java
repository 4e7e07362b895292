package io.meshid.identity.http.oauth;

import io.meshid.identity.oauth.OAuthError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@code application/x-www-form-urlencoded} body read strictly (RFC 6749 section 3.2: request
 * and response parameters must not be included more than once): every parameter but the
 * repeatable ones ({@code audience}, {@code resource}, RFC 8693/8707) at most once, names and
 * values percent-decoded as UTF-8, empty values treated as absent (RFC 6749 section 3.1). Immutable.
 */
final class Form {

    static final Set<String> REPEATABLE = Set.of("audience", "resource");
    static final int MAX_PARAMETERS = 64;

    private final Map<String, List<String>> values;

    private Form(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parses {@code body}; a repeated single parameter or a malformed encoding is {@code invalid_request}. */
    static Form parse(String body) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (body == null || body.isEmpty()) {
            return new Form(values);
        }
        String[] pairs = body.split("&", -1);
        if (pairs.length > MAX_PARAMETERS) {
            throw OAuthError.invalidRequest("body: " + pairs.length + " parameters (expected: at most " + MAX_PARAMETERS + ")");
        }
        for (String pair : pairs) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !REPEATABLE.contains(name)) {
                throw OAuthError.invalidRequest(shorten(name) + ": included more than once (expected: at most once, RFC 6749 "
                        + "section 3.2)");
            }
            if (!value.isEmpty()) {
                list.add(value);
            }
        }
        return new Form(values);
    }

    /** The single value of {@code name}, if present and not empty. */
    Optional<String> one(String name) {
        List<String> list = values.get(name);
        return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    /** Every value of a repeatable parameter. */
    List<String> all(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    /** The value of {@code name}, or {@code invalid_request} naming it. */
    String required(String name, String expected) {
        return one(name).orElseThrow(() -> OAuthError.invalidRequest(name + ": missing (expected: " + expected + ")"));
    }

    private static String decode(String s) {
        // URLDecoder changes only '%' sequences and '+'; without them it would copy s char by char (a token: ~1 KiB).
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthError.invalidRequest("body: malformed percent-encoding (expected: application/x-www-form-urlencoded)");
        }
    }

    static String shorten(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
