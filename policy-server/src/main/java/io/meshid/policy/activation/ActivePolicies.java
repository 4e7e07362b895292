package io.meshid.policy.activation;

import io.meshid.common.spiffe.TrustDomain;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The policy sets in force on this replica: per trust domain, the active version (which decides
 * checks) and the shadow version (evaluated beside it, never enforced). Kept current with the
 * policy store: a version activated through any replica is in force here within one second.
 *
 * <p>This is the seam between the policy store (which writes versions) and the decision path
 * (which reads them on every request): reads are lock-free lookups of immutable snapshots.
 * This interface is thread-safe.
 */
public interface ActivePolicies {

    /**
     * The active version of {@code trustDomain}, or empty when the trust domain has no policy
     * set (version 0: every check is denied).
     *
     * @throws io.meshid.common.errors.MeshidException.Unavailable when the store could not be
     *     read yet (start-up), so that nothing is known; callers must deny
     */
    Optional<PolicyVersion> active(TrustDomain trustDomain);

    /** The shadow version of {@code trustDomain}, or empty when there is none. */
    Optional<PolicyVersion> shadow(TrustDomain trustDomain);

    /**
     * Calls {@code listener} with every later activation in {@code trustDomain} (a put or a
     * rollback), in version order, on a thread of the implementation's; the listener must not
     * block. The current version is not replayed: read {@link #active} after subscribing.
     * Closing the returned handle stops the calls.
     */
    Subscription watch(TrustDomain trustDomain, Consumer<VersionChange> listener);

    /** A registration made by {@link #watch}; closing it twice is harmless. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
