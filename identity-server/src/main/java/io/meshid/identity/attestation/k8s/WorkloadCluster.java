package io.meshid.identity.attestation.k8s;

import io.meshid.common.kubernetes.KubernetesCluster;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;

/**
 * A Kubernetes cluster whose workloads attest to identity-server with projected service account
 * tokens ({@code meshid.identity.kubernetes.clusters.<name>.*}; the settings are
 * {@link KubernetesCluster}'s). Read only after binding.
 */
@EachProperty(WorkloadCluster.PREFIX)
public final class WorkloadCluster extends KubernetesCluster {

    /** Configuration prefix of the clusters. */
    public static final String PREFIX = "meshid.identity.kubernetes.clusters";

    WorkloadCluster(@Parameter String name) {
        super(name);
    }
}
