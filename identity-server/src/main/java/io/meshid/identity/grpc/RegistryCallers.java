package io.meshid.identity.grpc;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.CallerIdentity;
import io.meshid.identity.registry.Admins;
import jakarta.inject.Singleton;

/**
 * Who administers what: a caller is an admin of its own trust domain when its SPIFFE ID path is
 * one of {@code meshid.admin-paths} or a registration entry of that domain marks it admin. An
 * admin of one trust domain is nobody in another. Deny by default.
 */
@Singleton
final class RegistryCallers {

    private final MeshidConfig meshid;
    private final Admins admins;

    RegistryCallers(MeshidConfig meshid, Admins admins) {
        this.meshid = meshid;
        this.admins = admins;
    }

    /** The caller, who must be an admin of its own trust domain. */
    SpiffeId admin(String action) {
        SpiffeId caller = CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with an admin SVID)"));
        if (!isAdminOf(caller, caller.trustDomain())) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action
                    + " (expected: an admin identity: a path in " + meshid.getAdminPaths() + " or an entry with admin = true)");
        }
        return caller;
    }

    /** The caller, who must be an admin of {@code domain}. */
    SpiffeId adminOf(TrustDomain domain, String action) {
        SpiffeId caller = admin(action);
        if (!caller.memberOf(domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action + " in " + domain
                    + " (expected: an admin identity of " + domain + ")");
        }
        return caller;
    }

    /** The caller, who must be an admin of the system trust domain ({@code meshid.trust-domain}). */
    SpiffeId systemAdmin(String action) {
        return adminOf(meshid.getTrustDomain(), action);
    }

    private boolean isAdminOf(SpiffeId caller, TrustDomain domain) {
        return admins.isAdminOf(caller, domain);
    }
}
