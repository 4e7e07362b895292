package io.meshid.sidecar;

import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.sidecar.config.ConfigFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -cp … io.meshid.sidecar.SidecarMain <config.yaml>}: starts the data path with the SVID
 * from PEM files (re-read when they change), until the process is stopped, then drains. Exit code
 * 2 for a bad configuration, 1 when it cannot start.
 */
public final class SidecarMain {

    private SidecarMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SidecarMain <config.yaml>");
            System.exit(2);
        }
        ConfigFile file;
        try {
            file = ConfigFile.read(Path.of(args[0]));
        } catch (IllegalArgumentException e) {
            System.err.println("sidecar configuration " + args[0] + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        PemFileSvidSource source = new PemFileSvidSource(file.certFile(), file.keyFile(), file.bundleFile(),
                Duration.ofSeconds(5));
        Sidecar sidecar = Sidecar.start(file.config(), source);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sidecar.close();
            source.close();
            stopped.countDown();
        }, "sidecar-shutdown"));
        stopped.await();
    }
}
