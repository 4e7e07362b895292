package io.meshid.ca.dev;

import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.bundle.BundleHub;
import io.meshid.ca.bundle.TrustBundle;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Svid;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode only ({@code meshid.ca.dev.credentials-dir}): writes SVIDs for the other meshid servers
 * and for a dev admin as PEM files ({@code <dir>/<name>/cert.pem, key.pem, bundle.pem}), renews
 * them at half life and rewrites every bundle file when the bundle changes. The servers read them
 * with {@code meshid.tls.cert-file} and friends, as they would read files written by
 * cert-manager's csi-driver-spiffe or spiffe-helper in production. Keys are written with
 * owner-only permissions. Never enabled outside {@code ./meshid dev}.
 */
@Context
@Requires(property = "meshid.ca.dev.credentials-dir")
final class DevCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(DevCredentials.class);
    private static final Duration TTL = Duration.ofHours(1);

    private final Path dir;
    private final TrustDomain domain;
    private final List<String> identities;
    private final LocalSvidIssuer issuer;
    private final Clock clock;
    private final Map<String, X509Svid> issued = new ConcurrentHashMap<>();
    private final AuthorityManager authorities;
    /** The hosts the servers serve, in their SVIDs ({@code meshid.tls.server-names}); not in the admin's. */
    private final List<String> serverNames;

    DevCredentials(@io.micronaut.context.annotation.Value("${meshid.ca.dev.credentials-dir}") Path dir,
            @io.micronaut.context.annotation.Value("${meshid.ca.dev.identities:admin,identity-server,policy-server}") List<String> identities,
            MeshidConfig meshid, LocalSvidIssuer issuer, BundleHub hub, Clock clock, SvidSource ownIdentity,
            AuthorityManager authorities, io.meshid.common.tls.TlsConfig tls) {
        this.serverNames = tls.getServerNames();
        this.authorities = authorities;
        this.dir = dir;
        this.domain = meshid.getTrustDomain();
        this.identities = List.copyOf(identities);
        this.issuer = issuer;
        this.clock = clock;
        renew();
        hub.subscribe(domain, this::writeBundle);
        LOG.warn("dev mode: wrote SVIDs for {} under {} (never use this outside ./meshid dev)", this.identities, dir);
    }

    /** Renews every SVID past half life, or whose issuer has stopped signing (a rotation, or a compromise response). */
    @Scheduled(fixedDelay = "${meshid.ca.rotation-check-interval:10s}")
    void renew() {
        for (String name : identities) {
            X509Svid current = issued.get(name);
            if (current == null || !clock.instant().isBefore(current.renewAt())
                    || !authorities.signer(domain).certificate().equals(current.chain().get(1))) {
                X509Svid svid = issuer.issue(SpiffeId.of(domain, "/meshid/" + name), TTL,
                        "admin".equals(name) ? List.of() : serverNames);
                issued.put(name, svid);
                write(dir.resolve(name).resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()), true);
                write(dir.resolve(name).resolve("cert.pem"), Pem.writeCertificates(svid.chain()), false);
            }
        }
    }

    private void writeBundle(TrustBundle bundle) {
        for (String name : identities) {
            write(dir.resolve(name).resolve("bundle.pem"), Pem.writeCertificates(bundle.authorities()), false);
        }
    }

    private static void write(Path file, String content, boolean secret) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), ".tmp-", ".pem");
            if (secret) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("dev credentials: cannot write " + file, e);
        }
    }
}
