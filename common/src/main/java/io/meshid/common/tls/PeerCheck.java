package io.meshid.common.tls;

import java.util.Optional;

/**
 * A further per-call check on a caller that {@link CallerIdentityInterceptor} has verified (valid
 * chain under the current bundle, not expired), such as "the leaf's serial is not revoked". Every
 * {@code PeerCheck} bean is asked on every authenticated call of the server, in no particular
 * order, and again before each message a long-lived stream sends; the first refusal closes the
 * call with {@code UNAUTHENTICATED} and the refusal as its description.
 *
 * <p>Implementations run on the transport's event loop for inline calls: they must be quick
 * (memory only, no I/O, no lock held for long) and must not throw. The refusal is returned to the
 * caller: it must name what was wrong and carry no secret. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PeerCheck {

    /** Why {@code peer} may not make this call, or empty to let it through. */
    Optional<String> refusal(VerifiedPeer peer);
}
