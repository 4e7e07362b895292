package io.meshid.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.RequiresCommand;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./meshid dev} launcher (the script at the repository's root), run over stand-in
 * servers: a fake JDK whose {@code java} writes the ready file a server writes and then waits for
 * SIGTERM. What is under test is the launcher's own behaviour: one launcher per data directory
 * (a lock with its pid, a dead holder's lock taken over), a port in use refused in one line, and
 * SIGTERM stopping every server and removing {@code endpoints.json}. The real servers under the
 * launcher are the quickstart's business, and the sidecar demo (started unless {@code --no-demo})
 * is sidecar-it's {@code DevDemoEndToEndTest}.
 */
@RequiresCommand(value = "bash", install = "apt-get install bash")
class DevLauncherTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String[] SERVERS = {"cert-authority", "identity-server", "policy-server"};

    /**
     * What the fake java does: note its pid and its arguments, write the ready file from its -D
     * options, wait for SIGTERM; then write the class-data archive it was asked to create, as the
     * JVM does at exit with {@code -XX:+AutoCreateSharedArchive}.
     */
    private static final String FAKE_JAVA = """
            #!/usr/bin/env bash
            ready="" grpc="" http="" archive="" record=0
            for a in "$@"; do
              case "$a" in
                -Dmeshid.server.ready-file=*) ready=${a#*=} ;;
                -Dgrpc.server.port=*) grpc=${a#*=} ;;
                -Dmicronaut.server.port=*) http=${a#*=} ;;
                -XX:SharedArchiveFile=*) archive=${a#*=} ;;
                -XX:+AutoCreateSharedArchive) record=1 ;;
              esac
            done
            echo "$$" >> "$FAKE_SERVER_PIDS"
            name=$(basename "$ready" .json)
            printf '%s\n' "$@" > "$FAKE_SERVER_PIDS.$name.args"
            trap '[ "$record" = 1 ] && echo "archive of $name" > "$archive"; exit 0' TERM
            printf '{"grpc": "127.0.0.1:%s", "http": "http://127.0.0.1:%s"}\\n' "$grpc" "$http" > "$ready.tmp"
            mv "$ready.tmp" "$ready"
            echo "fake server ready"
            while :; do sleep 0.1; done
            """;

    @TempDir
    Path tmp;

    private Path root;
    private Path dataDir;
    private Path javaHome;
    private Path serverPids;
    private final List<Process> launchers = new ArrayList<>();

    @BeforeEach
    void fakeCheckout() throws IOException {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("meshid");
        assertThat(script).as("the launcher at the repository's root").isRegularFile();
        root = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(script, root.resolve("meshid"));
        javaHome = Files.createDirectories(tmp.resolve("jdk"));
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        executable(javaHome.resolve("bin/java"), FAKE_JAVA);
        executable(javaHome.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
        for (String server : SERVERS) {
            Path target = Files.createDirectories(root.resolve(server).resolve("target").resolve("lib"));
            Files.writeString(target.getParent().resolve("meshid-" + server + "-0.1.0-SNAPSHOT.jar"), "not a jar");
        }
        dataDir = tmp.resolve("data");
        serverPids = tmp.resolve("server-pids");
        Files.createFile(serverPids);
    }

    @AfterEach
    void stopEverything() throws IOException {
        launchers.forEach(p -> p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly));
        launchers.forEach(Process::destroyForcibly);
        for (long pid : serverPids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void secondLauncher_onADataDirectoryInUse_refusesInOneLine_andLeavesTheFirstRunning() throws Exception {
        Process first = startDev("--port-base", "0");
        awaitEndpoints(first);
        String endpoints = Files.readString(dataDir.resolve("endpoints.json"));

        Run second = runDev("--port-base", "0");

        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.stderr().lines()).singleElement().asString()
                .startsWith("meshid: dev: " + dataDir.toRealPath() + " is in use by another ./meshid dev (pid " + first.pid() + ")");
        assertThat(dataDir.resolve("endpoints.json")).hasContent(endpoints);
        assertThat(first.isAlive()).isTrue();
        assertThat(serverPids()).hasSize(3).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void sigterm_stopsEveryServer_andRemovesEndpointsAndTheLock() throws Exception {
        Process launcher = startDev("--port-base", "0");
        awaitEndpoints(launcher);
        List<Long> servers = serverPids();
        assertThat(servers).hasSize(3);

        launcher.destroy(); // SIGTERM

        assertThat(launcher.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the launcher exits").isTrue();
        assertThat(launcher.exitValue()).isEqualTo(143);
        for (long pid : servers) {
            await(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "server " + pid + " stopped");
        }
        assertThat(dataDir.resolve("endpoints.json")).doesNotExist();
        assertThat(dataDir.resolve("dev.lock")).doesNotExist();
        assertThat(dataDir.resolve("run")).isEmptyDirectory();
    }

    @Test
    void startUpArchives_recordedOnAFirstStart_arePublishedInTheBuild_andUsedAsTheyAreByANewDataDirectory() throws Exception {
        Process first = startDev("--port-base", "0");
        awaitEndpoints(first);
        Path staged = dataDir.toRealPath().resolve("cds");
        for (String server : SERVERS) {
            assertThat(javaArgs(server)).as(server).contains("-XX:+AutoCreateSharedArchive",
                    "-XX:SharedArchiveFile=" + staged.resolve(server + ".jsa"));
        }
        stop(first);
        for (String server : SERVERS) {
            assertThat(published(server)).as(server).hasContent("archive of " + server);
        }
        assertThat(staged).as("published, not copied").isDirectoryNotContaining("glob:**.jsa");

        dataDir = tmp.resolve("another-data-dir");
        Process second = startDev("--port-base", "0");
        awaitEndpoints(second);
        for (String server : SERVERS) {
            assertThat(javaArgs(server)).as(server).contains("-XX:SharedArchiveFile=" + published(server))
                    .doesNotContain("-XX:+AutoCreateSharedArchive");
        }
        stop(second);

        // A rebuilt jar: the JVM would refuse its archive and start without one, so it is recorded again.
        Path jar = root.resolve("identity-server/target/meshid-identity-server-0.1.0-SNAPSHOT.jar");
        Files.setLastModifiedTime(jar, FileTime.from(Files.getLastModifiedTime(published("identity-server")).toInstant().plusSeconds(1)));
        dataDir = tmp.resolve("a-third-data-dir");
        Process third = startDev("--port-base", "0");
        awaitEndpoints(third);
        assertThat(javaArgs("identity-server")).contains("-XX:+AutoCreateSharedArchive");
        assertThat(javaArgs("policy-server")).doesNotContain("-XX:+AutoCreateSharedArchive");
    }

    @Test
    void lockOfALauncherThatIsGone_isTakenOver() throws Exception {
        Files.createDirectories(dataDir);
        // A live pid that is no launcher (a reused pid) counts as gone, as does a dead one.
        Process notALauncher = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(dataDir.resolve("dev.lock"), notALauncher.pid() + "\n");

            Process launcher = startDev("--port-base", "0");
            awaitEndpoints(launcher);

            assertThat(Files.readString(dataDir.resolve("dev.lock")).trim()).isEqualTo(Long.toString(launcher.pid()));
        } finally {
            notALauncher.destroyForcibly();
        }
    }

    @Test
    void portInUse_refusesInOneLineNamingThePort_andStartsNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            // The base whose first port checked, cert-authority's gRPC (base + 1), is the taken one.
            Run run = runDev("--port-base", Integer.toString(port - 1));

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.stderr().lines()).singleElement().asString()
                    .startsWith("meshid: dev: port " + port + " (cert-authority gRPC) is in use on 127.0.0.1");
        }
        assertThat(serverPids()).isEmpty();
        assertThat(dataDir.resolve("dev.lock")).as("the lock is released").doesNotExist();
    }

    @Test
    void badPortBase_isRefusedInOneLine() throws Exception {
        for (String bad : List.of("80", "65093", "7k", "-1")) {
            Run run = runDev("--port-base=" + bad);

            assertThat(run.exit()).as(bad).isEqualTo(1);
            assertThat(run.stderr().lines()).as(bad).singleElement().asString()
                    .isEqualTo("meshid: dev: port base '" + bad
                            + "' (expected: 0 to let the OS choose every port, or 1024 to 65092; default 7000)");
        }
        assertThat(serverPids()).isEmpty();
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private ProcessBuilder dev(String... options) {
        // --no-demo: the stand-in java cannot play the sidecar demo's processes; sidecar-it's
        // DevDemoEndToEndTest runs the launcher with the demo and the real jars.
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("meshid").toString(), "dev",
                "--data-dir", dataDir.toString(), "--no-demo"));
        command.addAll(List.of(options));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("FAKE_SERVER_PIDS", serverPids.toString());
        builder.environment().remove("MESHID_DEV_PORT_BASE");
        return builder;
    }

    private Process startDev(String... options) throws IOException {
        Process p = dev(options).redirectErrorStream(true).redirectOutput(tmp.resolve("launcher-" + launchers.size() + ".log").toFile()).start();
        launchers.add(p);
        return p;
    }

    private Run runDev(String... options) throws Exception {
        Path out = tmp.resolve("run.out");
        Path err = tmp.resolve("run.err");
        Process p = dev(options).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        launchers.add(p);
        assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the launcher answers").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private void awaitEndpoints(Process launcher) throws Exception {
        await(() -> Files.exists(dataDir.resolve("endpoints.json")) || !launcher.isAlive(), "endpoints.json written");
        assertThat(launcher.isAlive()).as("the launcher runs; its output: %s", launcherLog()).isTrue();
    }

    private String launcherLog() {
        try {
            return Files.readString(tmp.resolve("launcher-0.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The arguments the fake java of {@code server} was last started with. */
    private List<String> javaArgs(String server) throws IOException {
        return Files.readAllLines(Path.of(serverPids + "." + server + ".args"));
    }

    /** The one archive of {@code server} published in its module's target folder. */
    private Path published(String server) throws IOException {
        try (var files = Files.list(root.resolve(server).resolve("target/dev-cds"))) {
            List<Path> archives = files.filter(f -> f.getFileName().toString().matches(server + "-[0-9]+\\.jsa")).toList();
            assertThat(archives).as("archives of %s", server).hasSize(1);
            return archives.getFirst();
        }
    }

    private static void stop(Process launcher) throws InterruptedException {
        launcher.destroy(); // SIGTERM
        assertThat(launcher.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the launcher exits").isTrue();
    }

    private List<Long> serverPids() throws IOException {
        return Files.readAllLines(serverPids).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: %s", what).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
