package io.meshid.sidecar.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The sidecar's own answers: a short plain-text body that says what was refused and why, and the
 * request id in {@code x-request-id} and in the body, so that a refused caller can quote it.
 * Stateless.
 */
final class Refusals {

    private Refusals() {
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String message, String requestId,
            boolean close) {
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
}
