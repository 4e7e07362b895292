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

    /**
     * A signer of {@code domain} itself, or one of the CA's own trust domain (identity-server of the
     * system trust domain serves every trust domain created through it), or an admin of {@code domain}.
     */
    SpiffeId mayIssueIn(TrustDomain domain) {
        SpiffeId caller = authenticated();
        boolean signer = (caller.memberOf(domain) || caller.memberOf(meshid.getTrustDomain()))
                && config.getSigners().contains(caller.path());
        if (!signer && !meshid.isAdmin(caller, domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not have SVIDs of " + domain
                    + " signed (expected: identity-server, " + signerIds(domain) + ", or an admin of " + domain + ")");
        }
        return caller;
    }

    /** identity-server (a signer) or an admin of the CA's own trust domain: may make the CA serve new trust domains. */
    SpiffeId mayCreateTrustDomains() {
        SpiffeId caller = authenticated();
        TrustDomain home = meshid.getTrustDomain();
        boolean signer = caller.memberOf(home) && config.getSigners().contains(caller.path());
        if (!signer && !meshid.isAdmin(caller, home)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not create trust domains (expected: "
                    + signerIds(home) + " or an admin of " + home + ")");
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
        if (!domain.equals(meshid.getTrustDomain())) {
            return config.getSigners().stream().flatMap(p -> java.util.stream.Stream.of(domain.idString() + p,
                    meshid.getTrustDomain().idString() + p)).toList().toString();
        }
        return config.getSigners().stream().map(p -> domain.idString() + p).toList().toString();
    }
}
