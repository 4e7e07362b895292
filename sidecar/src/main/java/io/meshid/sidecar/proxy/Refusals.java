package io.meshid.sidecar.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The sidecar's own answers: a short plain-text body that says what was refused and why, and the
 * request id in {@code x-request-id} and in the body, so that a refused caller can quote it. A gRPC
 * request (any {@code application/grpc*} content type) gets a gRPC answer instead: HTTP 200 with
 * no body, {@code grpc-status} mapped from the HTTP status as gRPC's own HTTP mapping does (403:
 * {@code PERMISSION_DENIED}), the message in {@code grpc-message} (percent-encoded), and the
 * request id in {@code x-request-id} (a trailers-only response). Stateless.
 */
final class Refusals {

    private Refusals() {
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String message, String requestId,
            boolean close) {
        return of(alloc, status, message, requestId, close, false);
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String message, String requestId,
            boolean close, boolean grpc) {
        if (grpc) {
            return grpc(status, message, requestId, close);
        }
        String text = "meshid sidecar: " + message + (requestId == null ? "" : "\nrequest-id: " + requestId) + "\n";
        ByteBuf body = alloc.buffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (requestId != null) {
            response.headers().set(RequestIds.HEADER, requestId);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    private static FullHttpResponse grpc(HttpResponseStatus status, String message, String requestId, boolean close) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        response.headers().setInt("grpc-status", grpcStatus(status.code()));
        String text = "meshid sidecar: " + message + (requestId == null ? "" : " (request-id: " + requestId + ")");
        response.headers().set("grpc-message", percentEncode(text));
        if (requestId != null) {
            response.headers().set(RequestIds.HEADER, requestId);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** gRPC's HTTP-to-gRPC status mapping (doc/http-grpc-status-mapping.md), plus the sidecar's own answers. */
    static int grpcStatus(int http) {
        return switch (http) {
            case 400, 431, 414 -> 13; // INTERNAL
            case 401 -> 16;           // UNAUTHENTICATED
            case 403 -> 7;            // PERMISSION_DENIED
            case 404 -> 12;           // UNIMPLEMENTED (no route)
            case 408, 504 -> 4;       // DEADLINE_EXCEEDED
            case 413 -> 8;            // RESOURCE_EXHAUSTED
            case 429, 502, 503 -> 14; // UNAVAILABLE
            default -> 2;             // UNKNOWN
        };
    }

    /** gRPC's percent-encoding of {@code grpc-message}: printable ASCII except '%' as is, the rest as UTF-8 %XX. */
    static String percentEncode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
