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

    /** The admission of a request; the stage may be shared between calls: read it, never complete it. */
    CompletionStage<Admission> admit(Channel downstream, HttpRequest request, String requestId);

    /**
     * Why an exchange in flight between {@code downstream} (a connection, or an HTTP/2 stream of
     * one) and {@code upstream} must end now (a peer's SVID expired or was revoked since its
     * handshake), or empty. Asked on the event loop for every read of a byte tunnel (after
     * {@code 101 Switching Protocols}) in either direction and by the listener's sweep: memory
     * only, quick.
     */
    default Optional<String> tunnelRefusal(Channel downstream, Channel upstream) {
        return Optional.empty();
    }

    /**
     * Why downstream connection {@code connection} itself must close (its verified peer may no
     * longer be trusted), or empty; empty where the downstream has no identity (the app's side).
     * Asked on the event loop: memory only, quick.
     */
    default Optional<String> connectionRefusal(Channel connection) {
        return Optional.empty();
    }
}
