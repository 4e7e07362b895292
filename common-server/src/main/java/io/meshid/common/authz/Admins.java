package io.meshid.common.authz;

import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.CallerIdentity;
import jakarta.inject.Singleton;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The one definition of an admin, the same on every meshid server: a caller is an admin of trust
 * domain {@code D} when its SPIFFE ID is in {@code D} and either its path is one of
 * {@code meshid.admin-paths} (configured admins), or its verified X.509-SVID carries the
 * {@link AdminMark} (the CA issued it from a registration entry flagged admin). An admin of one
 * trust domain is nobody in another. No database is read: cert-authority and policy-server see
 * entry-flagged admins exactly as identity-server does. Thread-safe.
 */
@Singleton
public final class Admins {

    private final MeshidConfig meshid;

    public Admins(MeshidConfig meshid) {
        this.meshid = meshid;
    }

    /** Whether {@code caller}, who presented {@code leaf} (when known), is an admin of {@code domain}. */
    public boolean isAdmin(SpiffeId caller, Optional<X509Certificate> leaf, TrustDomain domain) {
        if (!caller.memberOf(domain)) {
            return false;
        }
        return meshid.getAdminPaths().contains(caller.path()) || leaf.map(AdminMark::isMarked).orElse(false);
    }

    /**
     * Whether {@code caller} is an admin of {@code domain}, reading the admin mark from the client
     * certificate of the gRPC call being served when {@code caller} is that call's verified caller
     * (otherwise only configured admin paths count).
     */
    public boolean isAdmin(SpiffeId caller, TrustDomain domain) {
        Optional<X509Certificate> leaf = CallerIdentity.current().filter(caller::equals).flatMap(c -> CallerIdentity.certificate());
        return isAdmin(caller, leaf, domain);
    }

    /** The system trust domain ({@code meshid.trust-domain}). */
    public TrustDomain systemTrustDomain() {
        return meshid.getTrustDomain();
    }

    /** The configured admin paths, for messages. */
    public java.util.List<String> adminPaths() {
        return meshid.getAdminPaths();
    }
}
