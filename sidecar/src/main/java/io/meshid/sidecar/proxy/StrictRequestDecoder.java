package io.meshid.sidecar.proxy;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, except that a request with both {@code Content-Length} and
 * {@code Transfer-Encoding} is marked failed instead of silently dropping one of the two: such a
 * request is the classic smuggling attempt (two parties framing one byte stream differently), and
 * RFC 9112 §6.3 lets a server reject it; the sidecar answers 400 and closes the connection.
 * Not thread-safe (one per connection, as every Netty decoder).
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    static final class SmugglingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        SmugglingException() {
            super("both Content-Length and Transfer-Encoding (expected: exactly one way to frame the body)");
        }
    }

    StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.setDecoderResult(DecoderResult.failure(new SmugglingException()));
    }
}
