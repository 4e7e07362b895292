package io.meshid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/quickstart.md, run as written: every {@code ```sh} block, verbatim. The first block
 * ({@code ./meshid dev}) runs in the background on a fresh data directory ({@code MESHID_DEV_DIR})
 * and, when the quickstart's default ports are taken, on a free port base
 * ({@code MESHID_DEV_PORT_BASE}): the two settings the quickstart documents and its blocks follow.
 * Once the mesh has written {@code endpoints.json}, the other blocks run in order as one bash script
 * with {@code set -euo pipefail} from the checkout's root, as a reader's second terminal would run
 * them; any failing command fails the test, and so the build.
 *
 * <p>Runs in the {@code package} phase (a second surefire execution in cli/pom.xml sets
 * {@code meshid.test.quickstart}), after the reactor has packaged the servers and meshctl, because
 * the quickstart uses {@code ./meshid dev} and {@code ./meshid ctl}, which run those jars; in the
 * {@code test} phase it is skipped.
 */
class QuickstartTest {

    /** The tools the quickstart names besides the JDK. */
    private static final List<String> TOOLS = List.of("bash", "openssl", "curl", "jq", "node");
    private static final Pattern SH_BLOCK = Pattern.compile("^```sh\\n(.*?)^```\\s*$", Pattern.MULTILINE | Pattern.DOTALL);
    private static final int[] PORT_OFFSETS = {1, 2, 3, 101, 102, 103, 443};
    private static final int DEFAULT_BASE = 7000;

    @TempDir
    Path tmp;

    /** The {@code ```sh} blocks of a Markdown text, in order. */
    static List<String> shellBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = SH_BLOCK.matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void shellBlocks_areTheShFencesOnly_inOrder() {
        String md = "text\n```sh\necho one\n```\n\n```text\nnot run\n```\n```sh\necho two\necho three\n```\n```bash\nnot this\n```\n";
        assertThat(shellBlocks(md)).containsExactly("echo one\n", "echo two\necho three\n");
    }

    @Test
    void quickstart_runsVerbatim_againstAFreshDevMesh() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("meshid.test.quickstart"),
                "runs in the package phase, after the jars it starts are built (./mvnw -pl cli -am package)");
        requireTools();
        Path root = repositoryRoot();
        List<String> blocks = shellBlocks(Files.readString(root.resolve("docs/quickstart.md")));
        assertThat(blocks).as("docs/quickstart.md's ```sh blocks").hasSizeGreaterThan(3);
        assertThat(blocks.getFirst().strip()).as("the quickstart's first block starts the dev mesh").startsWith("./meshid dev");
        markJarsFresh(root);

        Path dataDir = tmp.resolve("dev");
        List<String> env = new ArrayList<>(List.of("MESHID_DEV_DIR=" + dataDir, "TMPDIR=" + Files.createDirectories(tmp.resolve("tmp")),
                "MESHID_DEV_START_TIMEOUT=600", "JAVA_HOME=" + System.getProperty("java.home")));
        int base = freePortBase();
        if (base != DEFAULT_BASE) {
            env.add("MESHID_DEV_PORT_BASE=" + base);
        }
        Process mesh = start(root, env, tmp.resolve("dev.log"), "bash", "-c", blocks.getFirst());
        try {
            awaitEndpoints(mesh, dataDir.resolve("endpoints.json"), tmp.resolve("dev.log"));
            String script = "set -euo pipefail\n" + String.join("\n", blocks.subList(1, blocks.size()));
            Files.writeString(tmp.resolve("quickstart.sh"), script);
            Process run = start(root, env, tmp.resolve("quickstart.log"), "bash", "-x", tmp.resolve("quickstart.sh").toString());
            if (!run.waitFor(20, TimeUnit.MINUTES)) {
                run.descendants().forEach(ProcessHandle::destroyForcibly);
                run.destroyForcibly();
                fail("the quickstart did not finish in 20 minutes; its output:\n" + Files.readString(tmp.resolve("quickstart.log")));
            }
            String log = Files.readString(tmp.resolve("quickstart.log"));
            assertThat(run.exitValue()).as("docs/quickstart.md's blocks, run with bash -x (the failing command is last):\n%s\n"
                    + "dev mesh log (tail):\n%s", log, tail(tmp.resolve("dev.log"))).isZero();
            assertThat(log).contains("cart/cert.pem: OK", "URI:spiffe://meshid.local/ns/shop/sa/cart",
                    "verified: spiffe://meshid.local/ns/shop/sa/cart", "cart-adds-to-checkout",
                    "Verification: OK");
        } finally {
            stop(mesh, dataDir);
        }
    }

    /** The servers' and meshctl's jars were just packaged by this build: make sure the launcher does not rebuild them under it. */
    private static void markJarsFresh(Path root) throws IOException {
        FileTime now = FileTime.from(Instant.now());
        for (String module : List.of("cert-authority", "identity-server", "policy-server", "cli")) {
            String prefix = "meshid-" + module + "-";
            try (var files = Files.list(root.resolve(module).resolve("target"))) {
                for (Path jar : files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.toString().endsWith(".jar")).toList()) {
                    Files.setLastModifiedTime(jar, now);
                }
            }
            assertThat(root.resolve(module).resolve("target/lib")).as(module + "'s packaged dependencies").isDirectory();
        }
    }

    private void awaitEndpoints(Process mesh, Path endpoints, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(12);
        while (!Files.exists(endpoints) || Files.size(endpoints) == 0) {
            if (!mesh.isAlive()) {
                fail("./meshid dev exited (" + mesh.exitValue() + ") before the mesh was ready; its log:\n" + tail(log));
            }
            if (System.nanoTime() > deadline) {
                fail("./meshid dev was not ready in 12 minutes; its log:\n" + tail(log));
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    /** SIGTERM to the launcher (its pid is in dev.lock), as the quickstart says to stop it; then whatever is left. */
    private static void stop(Process mesh, Path dataDir) throws Exception {
        try {
            String holder = Files.readString(dataDir.resolve("dev.lock")).strip();
            ProcessHandle.of(Long.parseLong(holder)).ifPresent(ProcessHandle::destroy);
        } catch (IOException | NumberFormatException e) {
            // no lock: the launcher is gone already
        }
        mesh.destroy();
        if (!mesh.waitFor(60, TimeUnit.SECONDS)) {
            mesh.descendants().forEach(ProcessHandle::destroyForcibly);
            mesh.destroyForcibly();
        }
        mesh.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** {@code command} in the checkout's root with {@code env}, no input, its output and errors into {@code log}. */
    private static Process start(Path root, List<String> env, Path log, String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment(builder.environment(), env);
        return builder.start();
    }

    private static void environment(Map<String, String> target, List<String> env) {
        // A reader's shell has none of meshctl's settings: the dev mesh's endpoints.json is what the blocks use.
        target.keySet().removeIf(k -> k.startsWith("MESHID_"));
        for (String pair : env) {
            int eq = pair.indexOf('=');
            target.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
    }

    /** 7000 when every default port is free (what a reader gets), else a free base from 20000 up. */
    private static int freePortBase() throws IOException {
        if (allFree(DEFAULT_BASE)) {
            return DEFAULT_BASE;
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(200, 600) * 100;
            if (allFree(base)) {
                return base;
            }
        }
        throw new IllegalStateException("no port base with all of +1..+3, +101..+103 and +443 free on 127.0.0.1");
    }

    private static boolean allFree(int base) {
        for (int offset : PORT_OFFSETS) {
            int port = base + offset;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return false; // something listens
            } catch (IOException expected) {
                // nothing listens: check that it can be bound
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static void requireTools() {
        List<String> missing = TOOLS.stream().filter(t -> !onPath(t)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "docs/quickstart.md needs " + missing + " on the PATH (apt-get install openssl curl jq nodejs)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + "; CI must run the quickstart");
        }
        Assumptions.abort(message);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("meshid")) && Files.isRegularFile(p.resolve("docs/quickstart.md"))) {
                return p;
            }
        }
        throw new IllegalStateException("no checkout root (with ./meshid and docs/quickstart.md) above " + here);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
