package io.meshid.common.tls;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a meshid server protects its gRPC port ({@code meshid.tls.*}).
 *
 * <ul>
 *   <li>{@code mode}: {@code svid} (default), mutual TLS with the server's X.509-SVID; or
 *       {@code plaintext}, no TLS and no caller identities, for local tests only.
 *   <li>{@code cert-file}, {@code key-file}, {@code bundle-file}: the PEM files of the server's SVID
 *       and trust bundle, re-read every {@code poll-interval} (default 5 s). Setting
 *       {@code cert-file} makes the {@link SvidSource} bean; a server that makes its own SVID
 *       (the CA) leaves them unset and defines an {@link SvidSource} bean itself.
 *   <li>{@code anonymous-methods}: full gRPC method names callable without a client certificate
 *       (such as {@code meshid.identity.v1.IdentityService/Attest}); empty by default.
 *   <li>{@code max-connection-age} (default 30 s, at most 30 s: half the shortest X.509-SVID TTL
 *       the CA issues, one minute), {@code max-connection-age-grace} (default 30 s) and
 *       {@code max-connection-idle} (default 5 min): how long a client connection to the gRPC port
 *       may live, how long its calls then get to finish, and how long it may sit without a call.
 *       Callers are checked on every call as well ({@link CallerIdentityInterceptor}); these bound
 *       what a connection carries over from its handshake.
 * </ul>
 *
 * <p>Bound once at start-up; not thread-safe to change afterwards.
 */
@ConfigurationProperties(TlsConfig.PREFIX)
public final class TlsConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.tls";

    /** Whether the gRPC port runs mutual TLS. */
    public enum Mode {
        /** Mutual TLS with X.509-SVIDs: every call is authenticated. */
        SVID,
        /** No TLS, no caller identities: for local tests only. */
        PLAINTEXT
    }

    private static final Duration MIN_POLL = Duration.ofMillis(100);
    private static final Duration MAX_POLL = Duration.ofHours(1);
    /** Half the shortest X.509-SVID TTL the CA issues (one minute). */
    static final Duration MAX_CONNECTION_AGE = Duration.ofSeconds(30);

    private Mode mode = Mode.SVID;
    private Path certFile;
    private Path keyFile;
    private Path bundleFile;
    private Duration pollInterval = Duration.ofSeconds(5);
    private List<String> anonymousMethods = List.of();
    private List<String> serverNames = List.of();
    private Duration maxConnectionAge = MAX_CONNECTION_AGE;
    private Duration maxConnectionAgeGrace = Duration.ofSeconds(30);
    private Duration maxConnectionIdle = Duration.ofMinutes(5);

    /** {@code meshid.tls.mode}. */
    public Mode getMode() {
        return mode;
    }

    /** Sets {@code meshid.tls.mode}. */
    public void setMode(Mode mode) {
        this.mode = mode == null ? Mode.SVID : mode;
    }

    /** {@code meshid.tls.cert-file}: the SVID chain in PEM, leaf first; null when unset. */
    @Nullable
    public Path getCertFile() {
        return certFile;
    }

    /** Sets {@code meshid.tls.cert-file}. */
    public void setCertFile(@Nullable Path certFile) {
        this.certFile = certFile;
    }

    /** {@code meshid.tls.key-file}: the SVID's private key in PEM; null when unset. */
    @Nullable
    public Path getKeyFile() {
        return keyFile;
    }

    /** Sets {@code meshid.tls.key-file}. */
    public void setKeyFile(@Nullable Path keyFile) {
        this.keyFile = keyFile;
    }

    /** {@code meshid.tls.bundle-file}: the trust bundle in PEM; null when unset. */
    @Nullable
    public Path getBundleFile() {
        return bundleFile;
    }

    /** Sets {@code meshid.tls.bundle-file}. */
    public void setBundleFile(@Nullable Path bundleFile) {
        this.bundleFile = bundleFile;
    }

    /** {@code meshid.tls.poll-interval}: how often the PEM files are checked for changes. */
    public Duration getPollInterval() {
        return pollInterval;
    }

    /** Sets {@code meshid.tls.poll-interval}; fails start-up outside 100 ms to 1 h. */
    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = between(PREFIX + ".poll-interval", pollInterval, MIN_POLL, MAX_POLL);
    }

    /** {@code meshid.tls.anonymous-methods}: full method names that need no client certificate. */
    public List<String> getAnonymousMethods() {
        return anonymousMethods;
    }

    /** Sets {@code meshid.tls.server-names}; fails start-up on a value that is neither an IP literal nor a DNS name. */
    public void setServerNames(@Nullable List<String> serverNames) {
        this.serverNames = ServerNames.check(PREFIX + ".server-names", serverNames == null ? List.of() : serverNames);
    }

    /**
     * {@code meshid.tls.server-names}: the host names and IP addresses the servers are reached at,
     * put into the server SVIDs the CA issues to itself and, in dev, to the other servers (IP
     * literals as IP SANs, other names as DNS SANs), so that HTTPS clients verify the host with
     * the trust bundle alone. Empty by default; {@code ./meshid dev} sets {@code localhost,127.0.0.1}.
     */
    public List<String> getServerNames() {
        return serverNames;
    }

    /** Sets {@code meshid.tls.anonymous-methods}. */
    public void setAnonymousMethods(@Nullable List<String> anonymousMethods) {
        this.anonymousMethods = anonymousMethods == null ? List.of() : List.copyOf(anonymousMethods);
    }

    /** {@code meshid.tls.max-connection-age}: after how long a connection is asked to close (GOAWAY). */
    public Duration getMaxConnectionAge() {
        return maxConnectionAge;
    }

    /** Sets {@code meshid.tls.max-connection-age}; fails start-up outside 1 s to 30 s. */
    public void setMaxConnectionAge(Duration maxConnectionAge) {
        this.maxConnectionAge = between(PREFIX + ".max-connection-age", maxConnectionAge, Duration.ofSeconds(1),
                MAX_CONNECTION_AGE);
    }

    /** {@code meshid.tls.max-connection-age-grace}: how long the calls of an aged connection get to finish. */
    public Duration getMaxConnectionAgeGrace() {
        return maxConnectionAgeGrace;
    }

    /** Sets {@code meshid.tls.max-connection-age-grace}; fails start-up outside 1 s to 5 min. */
    public void setMaxConnectionAgeGrace(Duration maxConnectionAgeGrace) {
        this.maxConnectionAgeGrace = between(PREFIX + ".max-connection-age-grace", maxConnectionAgeGrace,
                Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /** {@code meshid.tls.max-connection-idle}: after how long without a call a connection is closed. */
    public Duration getMaxConnectionIdle() {
        return maxConnectionIdle;
    }

    /** Sets {@code meshid.tls.max-connection-idle}; fails start-up outside 1 s to 1 h. */
    public void setMaxConnectionIdle(Duration maxConnectionIdle) {
        this.maxConnectionIdle = between(PREFIX + ".max-connection-idle", maxConnectionIdle, Duration.ofSeconds(1),
                Duration.ofHours(1));
    }

    /**
     * Fails start-up unless {@code min <= value <= max}, with the key, the value and what was expected.
     * (common-server's {@code ConfigChecks} does the same for servers; common cannot depend on it.)
     */
    private static Duration between(String key, Duration value, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigurationException(key + ": " + value + " (expected: between " + min + " and " + max + ")");
        }
        return value;
    }
}
