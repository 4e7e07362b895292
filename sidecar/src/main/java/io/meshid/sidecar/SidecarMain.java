package io.meshid.sidecar;

import io.grpc.StatusRuntimeException;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.config.ConfigFile;
import io.meshid.sidecar.config.SvidSetting;
import io.meshid.common.identity.AttestedSvidSource;
import io.meshid.common.identity.Backoff;
import io.meshid.sidecar.revocation.RevocationList;
import io.meshid.sidecar.revocation.RevocationWatch;
import io.meshid.sidecar.workloadapi.IdentityServerJwtAuthority;
import io.meshid.sidecar.workloadapi.WorkloadApiServer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -cp … io.meshid.sidecar.SidecarMain [--ready-file FILE] <config.yaml>}: gets the
 * sidecar's SVID (attested from identity-server, or from PEM files), opens the Workload API socket
 * when configured, starts watching cert-authority's trust bundle for revocations, starts the data
 * path, and runs until the process is stopped; then drains the data path and closes the rest in
 * reverse order. Exit code 2 for a bad configuration or usage, 1 when it cannot start.
 *
 * <p>Once attested with both listeners open it logs one line with the time since the JVM started
 * and, with {@code --ready-file}, writes {@link ReadyFile} (what {@code ./meshid dev} waits for).
 */
public final class SidecarMain {

    /** How long the start waits for cert-authority's first bundle (peers are refused until it comes). */
    private static final Duration FIRST_BUNDLE_WAIT = Duration.ofSeconds(5);

    private SidecarMain() {
    }

    public static void main(String[] args) throws Exception {
        Path readyFile = null;
        if (args.length == 3 && args[0].equals("--ready-file")) {
            readyFile = Path.of(args[1]);
        } else if (args.length != 1 || args[0].startsWith("--")) {
            System.err.println("usage: SidecarMain [--ready-file FILE] <config.yaml> (got: " + String.join(" ", args) + ")");
            System.exit(2);
            return;
        }
        String configPath = args[args.length - 1];
        ConfigFile file;
        try {
            file = ConfigFile.read(Path.of(configPath));
        } catch (IllegalArgumentException e) {
            System.err.println("sidecar configuration " + configPath + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            SvidSource source = switch (file.svid()) {
                case SvidSetting.Files f -> remember(opened, new PemFileSvidSource(f.cert(), f.key(), f.bundle(),
                        Duration.ofSeconds(5)));
                // no stream of its own: the RevocationWatch below feeds it the bundles of the one stream
                case SvidSetting.Attested a -> remember(opened, AttestedSvidSource.start(a.identity(), false));
            };
            WorkloadApiServer workloadApi = null;
            if (file.workloadApi().isPresent() && source instanceof AttestedSvidSource attested) {
                IdentityServerJwtAuthority jwt = remember(opened,
                        new IdentityServerJwtAuthority(attested.identityServer(), attested.config().trustDomain()));
                workloadApi = remember(opened, WorkloadApiServer.start(file.workloadApi().get().socket(), source, jwt,
                        file.workloadApi().get().permissions()));
            }
            RevocationWatch revocations = remember(opened, switch (file.svid()) {
                case SvidSetting.Files f -> RevocationWatch.start(source, f.certAuthority(), f.certAuthorityId(),
                        new RevocationList(source.svid().spiffeId().trustDomain(), Clock.systemUTC(), RevocationList.DEFAULT_GRACE),
                        Backoff.DEFAULT, FIRST_BUNDLE_WAIT);
                case SvidSetting.Attested a -> RevocationWatch.start(source, a.identity().certAuthority(),
                        a.identity().certAuthorityId(), new RevocationList(a.identity().trustDomain(), a.identity().clock(),
                                RevocationList.DEFAULT_GRACE), a.identity().backoff(), FIRST_BUNDLE_WAIT,
                        ((AttestedSvidSource) source)::acceptTrustBundle);
            });
            Sidecar sidecar = remember(opened, Sidecar.start(file.config(), source, revocations.list()));
            ReadyFile ready = ReadyFile.of(source.svid().spiffeId(), sidecar, workloadApi);
            System.out.println("sidecar " + ready.spiffeId() + " ready in " + ready.readyMillis() + " ms, " + ready.readyCpuMillis()
                    + " ms of CPU (attested, listeners open):"
                    + " inbound " + ready.inbound() + ", outbound " + ready.outbound());
            if (readyFile != null) {
                ready.write(readyFile);
            }
        } catch (StatusRuntimeException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            System.err.println("sidecar cannot start: " + e.getMessage());
            closeAll(opened);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeAll(opened);
            stopped.countDown();
        }, "sidecar-shutdown"));
        stopped.await();
    }

    private static <T extends AutoCloseable> T remember(Deque<AutoCloseable> opened, T resource) {
        opened.push(resource);
        return resource;
    }

    /** Closes in reverse order of opening: the data path drains first, the identity goes last. */
    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            AutoCloseable c = opened.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("sidecar: closing " + c.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }
}
