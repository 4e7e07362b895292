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
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * A server's own X.509-SVID from cert-authority, got and kept fresh by the sidecar's client
 * ({@link AttestedSvidSource}) when {@code meshid.tls.attest.join-token-file} is set: at start-up the
 * server attests to the CA ({@code meshid.tls.attest.ca-address}) with the single-use server join
 * token in that file (made by the CA's bootstrap command), verifying the CA against
 * {@code meshid.tls.attest.bootstrap-bundle-file}; then it renews at half life over mutual TLS and
 * follows the CA's bundle, with no restart. Its gRPC and HTTPS ports read the source at every
 * handshake, so they serve the renewed SVID to the next connection. The alternative to
 * {@code meshid.tls.cert-file} (files renewed by someone else); setting both stops start-up.
 */
@Factory
final class AttestedServerIdentity {

    static final String PREFIX = TlsConfig.PREFIX + ".attest";
    /** Where the CA is, in every trust domain. */
    static final String CA_PATH = "/meshid/cert-authority";

    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = PREFIX + ".join-token-file")
    AttestedSvidSource attestedSvidSource(MeshidConfig meshid, TlsConfig tls, Clock clock,
            @Value("${" + PREFIX + ".join-token-file}") String tokenFile,
            @Value("${" + PREFIX + ".ca-address:}") String caAddress,
            @Value("${" + PREFIX + ".bootstrap-bundle-file:}") String bundleFile) {
        if (tls.getCertFile() != null) {
            throw new ConfigurationException(PREFIX + ".join-token-file: set together with " + TlsConfig.PREFIX
                    + ".cert-file (expected: one of them; the server attests to the CA, or reads SVID files renewed elsewhere)");
        }
        if (caAddress.isBlank()) {
            throw new ConfigurationException(PREFIX + ".ca-address: not set (expected: cert-authority's gRPC host:port, "
                    + "since " + PREFIX + ".join-token-file is set)");
        }
        if (bundleFile.isBlank()) {
            throw new ConfigurationException(PREFIX + ".bootstrap-bundle-file: not set (expected: a PEM file of the trust "
                    + "domain's root certificates, from the CA's bootstrap command, since " + PREFIX + ".join-token-file is set)");
        }
        String token;
        try {
            token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigurationException(PREFIX + ".join-token-file: cannot read " + tokenFile + " (" + e.getMessage()
                    + "; expected: a readable file holding one server join token)");
        }
        SpiffeId ca = SpiffeId.of(meshid.getTrustDomain(), CA_PATH);
        IdentityConfig config;
        try {
            config = new IdentityConfig(caAddress, ca, caAddress, ca, Path.of(bundleFile), new Evidence.JoinToken(token),
                    Optional.empty(), Backoff.DEFAULT, clock);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(PREFIX + ": " + e.getMessage());
        }
        try {
            return AttestedSvidSource.start(config);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(PREFIX + ".bootstrap-bundle-file: " + e.getMessage());
        } catch (StatusRuntimeException e) {
            throw new ConfigurationException(PREFIX + ".join-token-file: cert-authority at " + caAddress + " refused or did not "
                    + "answer the attestation (" + e.getStatus().getCode() + ": " + e.getStatus().getDescription()
                    + "; expected: an unused, unexpired token from the CA's bootstrap command for this server's identity)");
        }
    }
}
