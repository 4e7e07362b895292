package io.meshid.common.server;

import io.grpc.StatusRuntimeException;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Backoff;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.TlsConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.condition.Condition;
import io.micronaut.context.condition.ConditionContext;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * A server's own X.509-SVID from cert-authority, got and kept fresh by the sidecar's client
 * ({@link AttestedSvidSource}) when attestation evidence is configured: at start-up the server
 * attests to the CA ({@code meshid.tls.attest.ca-address}), verifying it against
 * {@code meshid.tls.attest.bootstrap-bundle-file}, with exactly one of
 * <ul>
 *   <li>{@code meshid.tls.attest.join-token-file}: the single-use server join token in that file
 *       (made by the CA's bootstrap command); or
 *   <li>{@code meshid.tls.attest.kubernetes-token-file} and {@code meshid.tls.attest.kubernetes-cluster}:
 *       the pod's projected service account token (audience: the CA's SPIFFE ID), read again at every
 *       attestation, for an account the CA grants this server's identity
 *       ({@code meshid.ca.kubernetes.clusters}); reusable, so the server attests again by itself after
 *       a restart, or when its SVID expired or was refused renewal.
 * </ul>
 * Then it renews at half life over mutual TLS and follows the CA's bundle, with no restart. Its
 * gRPC and HTTPS ports read the source at every handshake, so they serve the renewed SVID to the
 * next connection. The alternative to {@code meshid.tls.cert-file} (files renewed by someone else);
 * setting both stops start-up.
 */
@Factory
final class AttestedServerIdentity {

    static final String PREFIX = TlsConfig.PREFIX + ".attest";
    /** Where the CA is, in every trust domain. */
    static final String CA_PATH = "/meshid/cert-authority";
    static final String JOIN_TOKEN_FILE = PREFIX + ".join-token-file";
    static final String KUBERNETES_TOKEN_FILE = PREFIX + ".kubernetes-token-file";
    static final String KUBERNETES_CLUSTER = PREFIX + ".kubernetes-cluster";

    /** Whether any evidence is configured (then the rest must be right, or start-up stops). */
    static final class Configured implements Condition {
        @Override
        public boolean matches(ConditionContext context) {
            return List.of(JOIN_TOKEN_FILE, KUBERNETES_TOKEN_FILE, KUBERNETES_CLUSTER).stream().anyMatch(context::containsProperty);
        }
    }

    @Singleton
    @Bean(preDestroy = "close")
    @Requires(condition = Configured.class)
    AttestedSvidSource attestedSvidSource(MeshidConfig meshid, TlsConfig tls, Clock clock,
            @Value("${" + JOIN_TOKEN_FILE + ":}") String tokenFile,
            @Value("${" + KUBERNETES_TOKEN_FILE + ":}") String kubernetesTokenFile,
            @Value("${" + KUBERNETES_CLUSTER + ":}") String kubernetesCluster,
            @Value("${" + PREFIX + ".ca-address:}") String caAddress,
            @Value("${" + PREFIX + ".bootstrap-bundle-file:}") String bundleFile) {
        Evidence evidence = evidence(tokenFile, kubernetesTokenFile, kubernetesCluster);
        String evidenceKey = evidence instanceof Evidence.JoinToken ? JOIN_TOKEN_FILE : KUBERNETES_TOKEN_FILE;
        if (tls.getCertFile() != null) {
            throw new ConfigurationException(evidenceKey + ": set together with " + TlsConfig.PREFIX
                    + ".cert-file (expected: one of them; the server attests to the CA, or reads SVID files renewed elsewhere)");
        }
        if (caAddress.isBlank()) {
            throw new ConfigurationException(PREFIX + ".ca-address: not set (expected: cert-authority's gRPC host:port, "
                    + "since " + evidenceKey + " is set)");
        }
        if (bundleFile.isBlank()) {
            throw new ConfigurationException(PREFIX + ".bootstrap-bundle-file: not set (expected: a PEM file of the trust "
                    + "domain's root certificates, from the CA's bootstrap command, since " + evidenceKey + " is set)");
        }
        SpiffeId ca = SpiffeId.of(meshid.getTrustDomain(), CA_PATH);
        IdentityConfig config;
        try {
            config = new IdentityConfig(caAddress, ca, caAddress, ca, Path.of(bundleFile), evidence, Optional.empty(), Backoff.DEFAULT, clock);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(PREFIX + ": " + e.getMessage());
        }
        try {
            return AttestedSvidSource.start(config);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(PREFIX + ".bootstrap-bundle-file: " + e.getMessage());
        } catch (StatusRuntimeException e) {
            throw new ConfigurationException(evidenceKey + ": cert-authority at " + caAddress + " refused or did not "
                    + "answer the attestation (" + e.getStatus().getCode() + ": " + e.getStatus().getDescription() + "; expected: "
                    + (evidence instanceof Evidence.JoinToken ? "an unused, unexpired token from the CA's bootstrap command for "
                            + "this server's identity)" : "a token of a service account the CA grants this server's identity in "
                            + "meshid.ca.kubernetes.clusters." + kubernetesCluster + ".service-accounts, with the CA's SPIFFE ID "
                            + ca + " as its only audience)"));
        }
    }

    /** The evidence the settings name: exactly one join token file, or a Kubernetes token file with its cluster. */
    static Evidence evidence(String joinTokenFile, String kubernetesTokenFile, String kubernetesCluster) {
        boolean join = !joinTokenFile.isBlank();
        boolean kubernetes = !kubernetesTokenFile.isBlank() || !kubernetesCluster.isBlank();
        if (join && kubernetes) {
            throw new ConfigurationException(JOIN_TOKEN_FILE + ": set together with " + (kubernetesTokenFile.isBlank()
                    ? KUBERNETES_CLUSTER : KUBERNETES_TOKEN_FILE) + " (expected: one kind of evidence; a join token, or a "
                    + "Kubernetes service account token)");
        }
        if (join) {
            try {
                return new Evidence.JoinToken(Files.readString(Path.of(joinTokenFile), StandardCharsets.UTF_8).strip());
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigurationException(JOIN_TOKEN_FILE + ": cannot read " + joinTokenFile + " (" + e.getMessage()
                        + "; expected: a readable file holding one server join token)");
            }
        }
        if (kubernetesTokenFile.isBlank()) {
            throw new ConfigurationException(KUBERNETES_TOKEN_FILE + ": not set (expected: the path of the projected service "
                    + "account token, since " + KUBERNETES_CLUSTER + " is set)");
        }
        if (kubernetesCluster.isBlank()) {
            throw new ConfigurationException(KUBERNETES_CLUSTER + ": not set (expected: the name of this cluster in the CA's "
                    + "meshid.ca.kubernetes.clusters, since " + KUBERNETES_TOKEN_FILE + " is set)");
        }
        Path file = Path.of(kubernetesTokenFile);
        if (!Files.isReadable(file)) {
            throw new ConfigurationException(KUBERNETES_TOKEN_FILE + ": cannot read " + kubernetesTokenFile
                    + " (expected: a readable file, the projected service account token the kubelet keeps fresh)");
        }
        try {
            return new Evidence.Kubernetes(kubernetesCluster, file);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(KUBERNETES_CLUSTER + ": " + e.getMessage());
        }
    }
}
