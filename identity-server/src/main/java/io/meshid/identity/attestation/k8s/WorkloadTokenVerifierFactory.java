package io.meshid.identity.attestation.k8s;

import io.meshid.common.kubernetes.KubernetesTokenVerifier;
import io.meshid.common.server.MeshidConfig;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import java.time.Clock;
import java.util.List;

/**
 * identity-server's verifier of workloads' service account tokens, over the clusters of
 * {@link WorkloadCluster#PREFIX}; made at start-up, so a bad cluster stops it there.
 */
@Factory
final class WorkloadTokenVerifierFactory {

    @Context
    KubernetesTokenVerifier workloadTokens(List<WorkloadCluster> clusters, MeshidConfig meshid, Clock clock) {
        return new KubernetesTokenVerifier(new KubernetesTokenVerifier.Use(WorkloadCluster.PREFIX, "identity-server", false),
                clusters, meshid.getTrustDomain(), clock);
    }
}
