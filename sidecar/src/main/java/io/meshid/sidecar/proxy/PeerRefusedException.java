package io.meshid.sidecar.proxy;

/**
 * The target of an open upstream connection may no longer be trusted (its SVID was revoked since
 * the handshake, or revocations are not known): the request is refused with 403, not sent.
 */
final class PeerRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    PeerRefusedException(String message) {
        super(message, null, false, false);
    }
}
