package io.meshid.ca.authority;

import io.meshid.ca.CaConfig;
import io.meshid.common.server.MeshidConfig;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's upstream CA files ({@code meshid.ca.upstream-*}), read at start-up and again
 * whenever they change, so that replacing them needs no restart. At start-up a bad set stops the
 * CA with a message naming the key; later, a bad set is logged and the last good one kept.
 * Thread-safe.
 */
@Singleton
final class UpstreamFiles {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamFiles.class);

    private final Optional<List<Path>> files;
    private final MeshidConfig meshid;
    private Optional<UpstreamAuthority> current = Optional.empty();
    private String stamp = "";

    UpstreamFiles(CaConfig config, MeshidConfig meshid) {
        this.meshid = meshid;
        this.files = config.getUpstreamCertFile().map(cert -> List.of(cert,
                config.getUpstreamKeyFile().orElseThrow(() -> new ConfigurationException(
                        "meshid.ca.upstream-key-file: not set (expected: the private key of meshid.ca.upstream-cert-file, PEM)")),
                config.getUpstreamBundleFile().orElseThrow(() -> new ConfigurationException(
                        "meshid.ca.upstream-bundle-file: not set (expected: the upstream root certificates, PEM)"))));
        if (files.isPresent()) {
            try {
                current(Instant.now());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(e.getMessage());
            }
        }
    }

    /** The upstream authority as the files say now; empty when no upstream is configured. */
    synchronized Optional<UpstreamAuthority> current(Instant now) {
        if (files.isEmpty()) {
            return Optional.empty();
        }
        String latest = stamp(files.get());
        if (!latest.equals(stamp)) {
            List<Path> f = files.get();
            try {
                current = Optional.of(UpstreamAuthority.load(meshid.getTrustDomain(), f.get(0), f.get(1), f.get(2), now));
                stamp = latest;
                LOG.info("upstream CA: {} (until {})", current.get().certificate().getSubjectX500Principal(),
                        current.get().certificate().getNotAfter().toInstant());
            } catch (IllegalArgumentException e) {
                if (current.isEmpty()) {
                    throw e;
                }
                LOG.warn("upstream CA files changed but do not hold a usable CA; keeping the previous one: {}", e.getMessage());
                stamp = latest;
            }
        }
        return current;
    }

    private static String stamp(List<Path> paths) {
        StringBuilder out = new StringBuilder();
        for (Path p : paths) {
            try {
                out.append(Files.getLastModifiedTime(p).toMillis()).append('/').append(Files.size(p)).append(';');
            } catch (IOException e) {
                out.append("missing;");
            }
        }
        return out.toString();
    }
}
