package io.meshid.ca.servers;

import io.meshid.ca.CaConfig;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.kubernetes.KubernetesTokenVerifier;
import io.meshid.common.kubernetes.KubernetesTokenVerifier.ServiceAccount;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Kubernetes service accounts are servers: verifies a projected service account token
 * (with identity-server's verifier, {@link KubernetesTokenVerifier}, over the clusters of
 * {@link ServerCluster#PREFIX}) and gives the one server identity its cluster, namespace and
 * service account are granted by configuration. Deny by default: an account of no grant, a cluster
 * not configured, or a token not made for the CA alone (its audience must be exactly the CA's
 * SPIFFE ID, so a token shown to identity-server or anyone else is worth nothing here) gets
 * nothing. Grants name only paths of {@code meshid.ca.server-identities}, so never an admin or the
 * CA. Checked at start-up. Thread-safe.
 */
@Context
final class ServerAccounts {

    private static final String NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
    private static final Pattern GRANT = Pattern.compile("(" + NAME + "):(" + NAME + ")=(/\\S+)");

    /** An account granted a server identity, as proved by a token. */
    record Granted(ServiceAccount account, SpiffeId id) {

        /** {@code <cluster>/<namespace>/<service account>}, for the audit trail and the journal. */
        String subject() {
            return account.cluster() + "/" + account.namespace() + "/" + account.name();
        }
    }

    private record Account(String cluster, String namespace, String name) {
    }

    private final KubernetesTokenVerifier verifier;
    private final Map<Account, SpiffeId> grants = new HashMap<>();
    private final boolean none;

    ServerAccounts(List<ServerCluster> clusters, MeshidConfig meshid, CaConfig config, Clock clock) {
        TrustDomain home = meshid.getTrustDomain();
        String audience = SpiffeId.of(home, "/meshid/cert-authority").toString();
        Set<String> servers = ServerIdentities.checkedPaths(config.getServerIdentities(), meshid.getAdminPaths());
        for (ServerCluster c : clusters) {
            String key = ServerCluster.PREFIX + "." + c.getName();
            if (c.getAudience() != null) {
                throw new ConfigurationException(key + ".audience: " + c.getAudience() + " (expected: not set; the CA accepts "
                        + "only tokens whose audience is its SPIFFE ID " + audience + " alone)");
            }
            c.setAudience(audience);
            if (c.getTrustDomain().isPresent() && !c.getTrustDomain().get().equals(home.name())) {
                throw new ConfigurationException(key + ".trust-domain: " + c.getTrustDomain().get() + " (expected: not set, "
                        + "or " + home.name() + "; server identities are in the CA's own trust domain)");
            }
            if (c.getServiceAccounts().isEmpty()) {
                throw new ConfigurationException(key + ".service-accounts: empty (expected: at least one "
                        + "<namespace>:<service-account>=<server path>, such as meshid:policy-server=/meshid/policy-server)");
            }
            for (String grant : c.getServiceAccounts()) {
                Matcher m = GRANT.matcher(grant.strip());
                if (!m.matches() || !servers.contains(m.group(5))) {
                    throw new ConfigurationException(key + ".service-accounts: " + grant + " (expected: <namespace>:<service-account>"
                            + "=<server path>, the path one of meshid.ca.server-identities " + servers.stream().sorted().toList() + ")");
                }
                if (grants.put(new Account(c.getName(), m.group(1), m.group(3)), SpiffeId.of(home, m.group(5))) != null) {
                    throw new ConfigurationException(key + ".service-accounts: " + m.group(1) + ":" + m.group(3)
                            + " is granted twice (expected: one server identity per service account)");
                }
            }
        }
        this.none = clusters.isEmpty();
        this.verifier = new KubernetesTokenVerifier(new KubernetesTokenVerifier.Use(ServerCluster.PREFIX, "cert-authority", true),
                clusters, home, clock);
    }

    /**
     * The server identity granted to the account {@code token} proves.
     *
     * @throws MeshidException.Unauthenticated for a token that does not verify, or no clusters configured
     * @throws MeshidException.PermissionDenied for an account granted no server identity
     */
    Granted identityOf(String cluster, String token) {
        if (none) {
            throw new MeshidException.Unauthenticated("kubernetes: this CA grants no server identity to Kubernetes service "
                    + "accounts (expected: a server join token, or " + ServerCluster.PREFIX + " configured on the CA)");
        }
        ServiceAccount account = verifier.verify(cluster, token);
        SpiffeId id = grants.get(new Account(account.cluster(), account.namespace(), account.name()));
        if (id == null) {
            throw new MeshidException.PermissionDenied("kubernetes service account " + account.namespace() + ":" + account.name()
                    + " of cluster " + account.cluster() + " is granted no server identity (expected: an account listed in "
                    + ServerCluster.PREFIX + "." + account.cluster() + ".service-accounts)");
        }
        return new Granted(account, id);
    }
}
