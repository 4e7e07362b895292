package io.meshid.ca.grpc;

import io.meshid.ca.CaConfig;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.CallerIdentity;
import jakarta.inject.Singleton;

/**
 * Who may call what on the CA: having an SVID signed takes a signer identity (identity-server by
 * default) or an admin of the SVID's trust domain; rotating and reading the journal takes an
 * admin of that trust domain; reading bundles takes any authenticated caller. Deny by default.
 */
@Singleton
final class CaCallers {

    private final MeshidConfig meshid;
    private final CaConfig config;

    CaCallers(MeshidConfig meshid, CaConfig config) {
        this.meshid = meshid;
        this.config = config;
    }

    SpiffeId authenticated() {
        return CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with an SVID of a trust domain this CA serves)"));
    }

    SpiffeId mayIssueIn(TrustDomain domain) {
        SpiffeId caller = authenticated();
        boolean signer = caller.memberOf(domain) && config.getSigners().contains(caller.path());
        if (!signer && !meshid.isAdmin(caller, domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not have SVIDs of " + domain
                    + " signed (expected: identity-server, " + signerIds(domain) + ", or an admin of " + domain + ")");
        }
        return caller;
    }

    SpiffeId adminOf(TrustDomain domain, String action) {
        SpiffeId caller = authenticated();
        if (!meshid.isAdmin(caller, domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action + " in " + domain
                    + " (expected: an admin identity of " + domain + ", one of the paths " + meshid.getAdminPaths() + ")");
        }
        return caller;
    }

    private String signerIds(TrustDomain domain) {
        return config.getSigners().stream().map(p -> domain.idString() + p).toList().toString();
    }
}
