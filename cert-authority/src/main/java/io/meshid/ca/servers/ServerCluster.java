package io.meshid.ca.servers;

import io.meshid.common.kubernetes.KubernetesCluster;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import java.util.List;

/**
 * A Kubernetes cluster whose service accounts may attest to the CA as servers
 * ({@code meshid.ca.kubernetes.clusters.<name>.*}): the cluster settings of
 * {@link KubernetesCluster} (issuer, JWKS, but no {@code audience}: the CA accepts only tokens made
 * for its own SPIFFE ID) and {@code service-accounts}, the grants, each
 * {@code <namespace>:<service-account>=<server path>} (SPIRE's {@code namespace:name} form for an
 * account), for example {@code meshid:policy-server=/meshid/policy-server}. An account not listed
 * is granted nothing. Checked by {@link ServerAccounts} at start-up; read only after binding.
 */
@EachProperty(ServerCluster.PREFIX)
public final class ServerCluster extends KubernetesCluster {

    /** Configuration prefix of the clusters. */
    public static final String PREFIX = "meshid.ca.kubernetes.clusters";

    private List<String> serviceAccounts = List.of();

    ServerCluster(@Parameter String name) {
        super(name);
    }

    /** The grants, {@code <namespace>:<service-account>=<server path>}. */
    public List<String> getServiceAccounts() {
        return serviceAccounts;
    }

    public void setServiceAccounts(List<String> serviceAccounts) {
        this.serviceAccounts = List.copyOf(serviceAccounts);
    }
}
