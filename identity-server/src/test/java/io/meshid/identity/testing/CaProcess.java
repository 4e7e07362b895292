package io.meshid.identity.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real cert-authority as a separate process (the jar the reactor built, with its lib/), on
 * loopback ports the OS chooses, writing the dev credentials of identity-server and an admin.
 * For end-to-end tests and the token benchmark. Stops the process on {@link #close()}.
 */
public final class CaProcess implements AutoCloseable {

    private final Path dir;
    private final Process process;
    private final String grpcAddress;

    private CaProcess(Path dir, Process process, String grpcAddress) {
        this.dir = dir;
        this.process = process;
        this.grpcAddress = grpcAddress;
    }

    /** Starts the CA for {@code trustDomain} with its data in {@code dir}; waits up to 180 s for it (a loaded machine starts it slowly). */
    public static CaProcess start(Path dir, String trustDomain, List<String> jvmOptions) throws IOException, InterruptedException {
        Path creds = dir.resolve("credentials");
        Path ready = dir.resolve("ca.json");
        Files.writeString(dir.resolve("kek"), "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED",
                "-Dmeshid.data-dir=" + dir, "-Dmeshid.trust-domain=" + trustDomain,
                "-Dmeshid.server.ready-file=" + ready, "-Dmicronaut.server.port=-1", "-Dgrpc.server.port=0",
                "-Dmeshid.ca.key-encryption-key-file=" + dir.resolve("kek"), "-Dmeshid.ca.dev.credentials-dir=" + creds,
                "-Dmeshid.ca.bundle-endpoint.port=0",
                "-Dmeshid.ca.dns-name-suffixes=" + trustDomain + "=svc", "-jar", jar().toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("ca.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!(Files.exists(ready) && Files.exists(creds.resolve("identity-server/bundle.pem")))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroy();
                throw new IllegalStateException("cert-authority did not start; its log:\n" + log(dir));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        Matcher grpc = Pattern.compile("\"grpc\": \"([^\"]+)\"").matcher(Files.readString(ready));
        if (!grpc.find()) {
            throw new IllegalStateException("cert-authority's ready file names no gRPC address: " + ready);
        }
        return new CaProcess(dir, process, grpc.group(1));
    }

    /** The CA's gRPC {@code host:port}. */
    public String grpcAddress() {
        return grpcAddress;
    }

    /** Where the CA wrote the dev credentials ({@code identity-server/}, {@code admin/}). */
    public Path credentials() {
        return dir.resolve("credentials");
    }

    /** CPU time the CA process has used so far. */
    public Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * One full collection in the CA ({@code jcmd <pid> GC.run}), so that what it made at start-up
     * is in the old generation before a load, as in a CA that has been running for a while: a
     * young CA copies its start-up data at every young pause until it is tenured (15 pauses).
     * A load's harness calls it before its warm-up; it waits at most 30 s.
     */
    public void settleHeap() throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
            jcmd.destroyForcibly();
            throw new IllegalStateException("jcmd GC.run on the CA did not finish within 30 s");
        }
    }

    /** identity-server's properties to reach this CA and serve mTLS with the SVID it wrote. */
    public Map<String, Object> identityServerProperties(String trustDomain) {
        Map<String, Object> p = new HashMap<>();
        Path creds = credentials();
        p.put("meshid.trust-domain", trustDomain);
        p.put("meshid.identity.ca-address", grpcAddress);
        p.put("meshid.revocation.ca-address", grpcAddress);
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", creds.resolve("identity-server/cert.pem").toString());
        p.put("meshid.tls.key-file", creds.resolve("identity-server/key.pem").toString());
        p.put("meshid.tls.bundle-file", creds.resolve("identity-server/bundle.pem").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        return p;
    }

    /** The CA's log so far. */
    public String log() {
        return log(dir);
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("ca.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** The cert-authority jar the reactor built before this module (its lib/ beside it). */
    private static Path jar() {
        File target = Path.of("..", "cert-authority", "target").toFile();
        if (!target.isDirectory()) {
            target = Path.of("cert-authority", "target").toFile();
        }
        File[] jars = target.listFiles((d, n) -> n.startsWith("meshid-cert-authority-") && n.endsWith(".jar") && !n.contains("tests"));
        if (jars == null || jars.length == 0 || !new File(target, "lib").isDirectory()) {
            throw new IllegalStateException(target.getAbsolutePath() + " has no jar and lib/: build the whole project first "
                    + "(./meshid test, or ./mvnw -pl cert-authority -am package -DskipTests)");
        }
        return jars[0].toPath().toAbsolutePath();
    }
}
