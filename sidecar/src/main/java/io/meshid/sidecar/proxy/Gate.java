package io.meshid.sidecar.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What a listener does with each request head: decide whether and where it goes, and add the
 * headers only the sidecar may set. Called on the downstream channel's event loop after the
 * request was checked for framing and size and its identity headers were stripped; it may
 * change {@code request}'s headers before its stage completes. The stage should not complete
 * exceptionally (that is a 500 refusal). Implementations are thread-safe.
 */
public interface Gate {

    CompletionStage<Admission> admit(Channel downstream, HttpRequest request, String requestId);

    /**
     * Why a connection pair that became a byte tunnel (after {@code 101 Switching Protocols}) must
     * close now (a peer's SVID expired or was revoked since its handshake), or empty. Asked on the
     * event loop for every read in either direction: memory only, quick.
     */
    default Optional<String> tunnelRefusal(Channel downstream, Channel upstream) {
        return Optional.empty();
    }
}
