package io.meshid.identity.registry;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;

/**
 * Who administers a trust domain: a caller of that trust domain whose SPIFFE ID path is one of
 * {@code meshid.admin-paths}, or whom a registration entry of that domain marks admin. An admin
 * of one trust domain is nobody in another. Thread-safe.
 */
@Singleton
public final class Admins {

    private final MeshidConfig meshid;
    private final Registry registry;

    Admins(MeshidConfig meshid, Registry registry) {
        this.meshid = meshid;
        this.registry = registry;
    }

    /** True when {@code caller} is an admin of {@code domain}. */
    public boolean isAdminOf(SpiffeId caller, TrustDomain domain) {
        return meshid.isAdmin(caller, domain) || (caller.memberOf(domain) && registry.isAdminEntry(caller));
    }
}
