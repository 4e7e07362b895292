package io.meshid.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dev mesh as {@code ./meshid dev} starts it: cert-authority, identity-server and policy-server
 * as processes from the jars the reactor built, on ports the OS chooses, with their data (H2
 * files) in a temporary directory, the CA writing the servers' and a dev admin's SVIDs, and an
 * {@code endpoints.json} in the same shape. One per test JVM ({@link #shared()}), stopped at exit.
 */
final class DevMesh implements AutoCloseable {

    static final String DOMAIN = "meshid.local";
    private static DevMesh shared;

    final Path dir;
    private final List<Process> processes = new ArrayList<>();

    private DevMesh(Path dir) {
        this.dir = dir;
    }

    /** The mesh of this JVM, started on first use. */
    static synchronized DevMesh shared() throws Exception {
        if (shared == null) {
            DevMesh mesh = new DevMesh(Files.createTempDirectory("meshctl-devmesh"));
            try {
                mesh.start();
            } catch (Exception | Error e) {
                mesh.close();
                throw e;
            }
            shared = mesh;
            Runtime.getRuntime().addShutdownHook(new Thread(mesh::close));
        }
        return shared;
    }

    private void start() throws Exception {
        Path creds = dir.resolve("credentials");
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("ca-kek"), "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        Files.writeString(dir.resolve("id-kek"), "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
        start("cert-authority", List.of("-Dmeshid.ca.key-encryption-key-file=" + dir.resolve("ca-kek"),
                "-Dmeshid.ca.dev.credentials-dir=" + creds, "-Dmeshid.ca.bundle-endpoint.port=0",
                // As identity-server's CaProcess: DNS SANs under .svc may be issued (./meshid dev allows none).
                "-Dmeshid.ca.dns-name-suffixes=" + DOMAIN + "=svc"));
        Map<String, String> ca = waitReady("cert-authority");
        for (String server : List.of("identity-server", "policy-server")) {
            List<String> extra = new ArrayList<>(List.of("-Dmeshid.tls.cert-file=" + creds.resolve(server + "/cert.pem"),
                    "-Dmeshid.tls.key-file=" + creds.resolve(server + "/key.pem"),
                    "-Dmeshid.tls.bundle-file=" + creds.resolve(server + "/bundle.pem"),
                    "-Dmeshid.identity.ca-address=" + ca.get("grpc"), "-Dmeshid.revocation.ca-address=" + ca.get("grpc")));
            extra.add(server.equals("identity-server") ? "-Dmeshid.identity.key-encryption-key-file=" + dir.resolve("id-kek")
                    : "-Dmeshid.policy.seed-directory=classpath:policies/starter");
            start(server, extra);
        }
        Map<String, String> id = waitReady("identity-server");
        Map<String, String> pol = waitReady("policy-server");
        Files.writeString(dir.resolve("endpoints.json"), "{\"trust_domain\": \"" + DOMAIN + "\",\n"
                + " \"ca\": {\"grpc\": \"" + ca.get("grpc") + "\", \"http\": \"" + ca.get("http") + "\"},\n"
                + " \"identity\": {\"grpc\": \"" + id.get("grpc") + "\", \"http\": \"" + id.get("http") + "\"},\n"
                + " \"policy\": {\"grpc\": \"" + pol.get("grpc") + "\", \"http\": \"" + pol.get("http") + "\"},\n"
                + " \"admin\": {\"cert\": \"" + creds.resolve("admin/cert.pem") + "\", \"key\": \"" + creds.resolve("admin/key.pem")
                + "\", \"bundle\": \"" + creds.resolve("admin/bundle.pem") + "\"}}\n");
    }

    private void start(String server, List<String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-Dmeshid.data-dir=" + dir, "-Dmeshid.trust-domain=" + DOMAIN,
                "-Dmeshid.server.ready-file=" + dir.resolve("run/" + server + ".json"),
                "-Dmicronaut.server.port=-1", "-Dgrpc.server.port=0"));
        command.addAll(extra);
        command.addAll(List.of("-jar", jar(server).toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(server + ".log").toFile());
        builder.environment().put("MESHID_LOG_FORMAT", "text");
        processes.add(builder.start());
    }

    private Map<String, String> waitReady(String server) throws Exception {
        Path ready = dir.resolve("run/" + server + ".json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(ready) || Files.size(ready) == 0) {
            if (processes.stream().anyMatch(p -> !p.isAlive()) || System.nanoTime() > deadline) {
                throw new IllegalStateException(server + " did not start; its log:\n" + log(server));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        Map<String, String> fields = new HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\": \"([^\"]*)\"").matcher(Files.readString(ready));
        while (m.find()) {
            fields.put(m.group(1), m.group(2));
        }
        return fields;
    }

    String log(String server) {
        try {
            return Files.readString(dir.resolve(server + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The result of one run of meshctl. */
    record Run(int code, String out, String err) {
    }

    /** Runs meshctl in-process in {@code cwd} with {@code env}. */
    static Run meshctl(Path cwd, Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Meshctl.run(args, new Cli(env, cwd, new PrintWriter(out, true), new PrintWriter(err, true)));
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs meshctl against this mesh with no flags: MESHID_DEV_DIR names it, as ./meshid ctl does. */
    Run meshctl(String... args) {
        return meshctl(dir, Map.of("MESHID_DEV_DIR", dir.toString()), args);
    }

    @Override
    public void close() {
        for (Process p : processes.reversed()) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary directory left behind is not worth failing a test run for
        }
    }

    private static Path jar(String server) {
        File target = Path.of("..", server, "target").toFile();
        if (!target.isDirectory()) {
            target = Path.of(server, "target").toFile();
        }
        String prefix = "meshid-" + server + "-";
        File[] jars = target.listFiles((d, n) -> n.startsWith(prefix) && n.endsWith(".jar") && !n.contains("tests"));
        if (jars == null || jars.length == 0 || !new File(target, "lib").isDirectory()) {
            throw new IllegalStateException(target.getAbsolutePath() + " has no jar and lib/: build the servers first "
                    + "(./mvnw -pl cli -am verify, or ./mvnw -pl " + server + " -am package -DskipTests)");
        }
        return jars[0].toPath().toAbsolutePath();
    }
}
