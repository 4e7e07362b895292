package io.meshid.common.tls;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
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

    private Mode mode = Mode.SVID;
    private Path certFile;
    private Path keyFile;
    private Path bundleFile;
    private Duration pollInterval = Duration.ofSeconds(5);
    private List<String> anonymousMethods = List.of();

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
        this.pollInterval = ConfigChecks.between(PREFIX + ".poll-interval", pollInterval, MIN_POLL, MAX_POLL);
    }

    /** {@code meshid.tls.anonymous-methods}: full method names that need no client certificate. */
    public List<String> getAnonymousMethods() {
        return anonymousMethods;
    }

    /** Sets {@code meshid.tls.anonymous-methods}. */
    public void setAnonymousMethods(@Nullable List<String> anonymousMethods) {
        this.anonymousMethods = anonymousMethods == null ? List.of() : List.copyOf(anonymousMethods);
    }
}
