package io.meshid.identity.http.oauth;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.meshid.common.errors.MeshidException;
import io.meshid.identity.exchange.OAuthErrors;
import io.meshid.identity.oauth.OAuthError;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's one error mapping (RFC 6749 section 5.2): {@link OAuthError}s as they are; the
 * domain's {@link MeshidException}s by their OAuth reason (token exchange names one) or kind;
 * anything else as a 500 that says only the request id. Every reply is JSON with
 * {@code Cache-Control: no-store} and {@code Pragma: no-cache}; {@code invalid_client} is 401 with
 * {@code WWW-Authenticate: Basic} when the client tried Basic. Stateless and thread-safe.
 */
final class OAuthReplies {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthReplies.class);

    private OAuthReplies() {
    }

    /** The headers of every JSON reply, as name, value pairs. */
    private static final List<String> JSON_HEADERS = List.of("Content-Type", MediaType.APPLICATION_JSON, "Cache-Control", "no-store",
            "Pragma", "no-cache");

    /**
     * A reply as the bridge's steps make it, before a server part writes it: Micronaut's controller
     * ({@link #toResponse}) or the event-loop handler ({@link FastBridgeHandler}), which writes it
     * without building Micronaut's response object (a visible part of a token's CPU). Immutable.
     *
     * @param status  the HTTP status
     * @param body    the JSON text
     * @param headers name, value, name, value, ...
     */
    record Reply(int status, String body, List<String> headers) {

        Reply {
            headers = List.copyOf(headers);
        }

        /** This reply with one more header. */
        Reply header(String name, String value) {
            List<String> more = new ArrayList<>(headers);
            more.add(name);
            more.add(value);
            return new Reply(status, body, more);
        }

        /** The value of header {@code name} (case-insensitive), or null. */
        String header(String name) {
            for (int i = 0; i < headers.size(); i += 2) {
                if (headers.get(i).equalsIgnoreCase(name)) {
                    return headers.get(i + 1);
                }
            }
            return null;
        }

        /** The same reply as Micronaut's response, for its controllers. */
        MutableHttpResponse<String> toResponse() {
            MutableHttpResponse<String> r = HttpResponse.<String>status(HttpStatus.valueOf(status)).body(body);
            for (int i = 0; i < headers.size(); i += 2) {
                r.header(headers.get(i), headers.get(i + 1));
            }
            return r;
        }
    }

    static MutableHttpResponse<String> json(HttpStatus status, Map<String, ?> body) {
        return reply(status.getCode(), body).toResponse();
    }

    /** A JSON reply of {@code body} with {@code Cache-Control: no-store} and {@code Pragma: no-cache}. */
    static Reply reply(int status, Map<String, ?> body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) body;
        return new Reply(status, toJson(map), JSON_HEADERS);
    }

    /**
     * The JSON text of a reply: written directly for the types replies hold (strings, numbers,
     * booleans, null, maps, collections), which is a few times cheaper than a general serializer on
     * the token endpoint's hot path; anything else through Nimbus' serializer.
     */
    static String toJson(Map<String, Object> map) {
        StringBuilder out = new StringBuilder(256);
        if (!write(out, map)) {
            return JSONObjectUtils.toJSONString(map);
        }
        return out.toString();
    }

    private static boolean write(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case Boolean b -> out.append(b.booleanValue());
            case Long n -> out.append(n.longValue());
            case Integer n -> out.append(n.intValue());
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        return false;
                    }
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, key);
                    out.append(':');
                    if (!write(out, e.getValue())) {
                        return false;
                    }
                }
                out.append('}');
            }
            case java.util.Collection<?> c -> {
                out.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    if (!write(out, o)) {
                        return false;
                    }
                }
                out.append(']');
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** A JSON string (RFC 8259 section 7): quote, backslash and control characters escaped, and U+2028/2029 for script contexts. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (ch < 0x20 || ch == '\u2028' || ch == '\u2029') {
                        out.append(String.format("\\u%04x", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        out.append('"');
    }

    static MutableHttpResponse<String> error(Throwable failure, boolean triedBasic) {
        return failure(failure, triedBasic).toResponse();
    }

    /** The OAuth error reply to {@code failure}. */
    static Reply failure(Throwable failure, boolean triedBasic) {
        OAuthError e = map(failure);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        if (e.getMessage() != null) {
            body.put("error_description", printable(e.getMessage()));
        }
        Reply reply = reply(e.status(), body);
        if (e.status() == 401) {
            reply = reply.header("WWW-Authenticate", triedBasic ? "Basic realm=\"meshid\", error=\"invalid_client\""
                    : "Basic realm=\"meshid\"");
        }
        if (e.retryAfterSeconds() > 0) {
            reply = reply.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        return reply;
    }

    private static OAuthError map(Throwable failure) {
        if (failure instanceof OAuthError e) {
            return e;
        }
        if (failure instanceof MeshidException e) {
            String message = e.getMessage();
            if (e.reason().isPresent()) {
                String reason = e.reason().get();
                if (reason.equals(OAuthErrors.INVALID_REQUEST) || reason.equals(OAuthErrors.INVALID_GRANT)
                        || reason.equals(OAuthErrors.INVALID_TARGET) || reason.equals(OAuthErrors.INVALID_SCOPE)
                        || reason.equals(OAuthErrors.UNAUTHORIZED_CLIENT) || reason.equals(OAuthErrors.UNSUPPORTED_TOKEN_TYPE)) {
                    return new OAuthError(reason.toLowerCase(Locale.ROOT), 400, message);
                }
            }
            return switch (e.kind()) {
                case INVALID_ARGUMENT -> OAuthError.invalidRequest(message);
                case PERMISSION_DENIED -> OAuthError.unauthorizedClient(message);
                case UNAUTHENTICATED -> OAuthError.invalidClient(message);
                case NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS, CONFLICT -> OAuthError.invalidRequest(message);
                case RESOURCE_EXHAUSTED -> new OAuthError("invalid_request", 429, message, 1);
                case UNAVAILABLE -> new OAuthError("temporarily_unavailable", 503, "a store this server needs cannot answer; retry "
                        + "shortly (request id " + io.meshid.common.server.RequestIds.current() + ")", 1);
            };
        }
        String id = io.meshid.common.server.RequestIds.current();
        LOG.error("OAuth bridge: unexpected failure (request id {})", id, failure);
        return new OAuthError("server_error", 500, "internal error (request id " + id + "); see the server log");
    }

    private static String printable(String s) {
        // RFC 6749 section 5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            out.append(ch >= 0x20 && ch <= 0x7e && ch != '"' && ch != '\\' ? ch : '\'');
        }
        return out.length() > 1000 ? out.substring(0, 1000) : out.toString();
    }
}
