package io.meshid.sidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.RequiresCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./meshid dev} (the script at the repository's root) with the real server jars,
 * the real sidecar and the demo workloads, on ports the OS chooses and a data directory of its
 * own: the sidecar demo of issue 13, point 9. The two commands the launcher prints when ready are
 * run as printed (with curl): the allowed one reaches whoami through both sidecars and whoami
 * names the caller's SPIFFE ID, as the sidecars verified it; the denied one is refused with 403 by
 * whoami's sidecar. {@code endpoints.json} lists both workloads. SIGTERM stops every process.
 */
@RequiresCommand(value = "curl", install = "apt-get install curl")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevDemoEndToEndTest {

    private static final String DOMAIN = "demo.test";

    @TempDir
    static Path tmp;

    private Process launcher;
    private Path log;
    private Path dataDir;

    @BeforeAll
    void startDevMesh() throws Exception {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("meshid");
        dataDir = tmp.resolve("data");
        log = tmp.resolve("launcher.log");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), "dev", "--port-base", "0", "--data-dir", dataDir.toString(),
                "--trust-domain", DOMAIN).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().keySet().removeIf(k -> k.startsWith("MESHID_"));
        builder.environment().put("MESHID_DEV_START_TIMEOUT", "540"); // per step; a loaded machine (the launcher's own setting)
        launcher = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (!launcherLog().contains("HealthCheck --reflection")) {
            assertThat(launcher.isAlive()).as("the launcher runs; its output:\n%s", launcherLog()).isTrue();
            assertThat(System.nanoTime()).as("ready within 600 s; the launcher's output:\n%s", launcherLog()).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (launcher == null) {
            return;
        }
        List<ProcessHandle> children = new ArrayList<>(launcher.descendants().toList());
        launcher.destroy(); // SIGTERM
        boolean exited = launcher.waitFor(240, TimeUnit.SECONDS); // the servers write their CDS archives on exit: slow on a loaded machine
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
        assertThat(exited).as("the launcher stops on SIGTERM").isTrue();
    }

    @Test
    void allowedCall_reachesWhoamiThroughBothSidecars_andWhoamiNamesTheCallersSpiffeId() throws Exception {
        String out = run(printedCommand("curl -s -H"));

        assertThat(out).as("whoami's answer").contains("\"service\": \"whoami\"")
                .contains("\"caller\": {\"spiffe_id\": \"spiffe://" + DOMAIN + "/demo/status\", \"by\": \"spiffe://" + DOMAIN + "/demo/whoami\"}");
        assertThat(out).contains("\"x_forwarded_client_cert\": \"By=spiffe://" + DOMAIN + "/demo/whoami;URI=spiffe://" + DOMAIN + "/demo/status\"");
    }

    @Test
    void deniedCall_isRefusedWith403ByWhoamisSidecar() throws Exception {
        String out = run(printedCommand("curl -s -i"));

        assertThat(out.lines().findFirst().orElse("")).as("the status line of:\n%s", out).startsWith("HTTP/1.1 403");
        assertThat(out).as("a refusal by the sidecar, not whoami's own answer").doesNotContain("\"service\": \"whoami\"");
    }

    @Test
    void allowedGrpcCall_reachesStatusThroughBothSidecarsOverHttp2() throws Exception {
        String out = runJava(printedCommand("HealthCheck 127"), 0);

        assertThat(out.trim()).isEqualTo("SERVING");
        String seen = "status: grpc.health.v1.Health/Check from By=spiffe://" + DOMAIN + "/demo/status;URI=spiffe://" + DOMAIN + "/demo/whoami";
        for (int i = 0; i < 100 && !launcherLog().contains(seen); i++) {
            TimeUnit.MILLISECONDS.sleep(100); // status's output passes a pipe and sed on its way to the log
        }
        assertThat(launcherLog()).as("status's log names the caller its sidecar verified")
                .contains(seen);
    }

    @Test
    void deniedGrpcCall_isPermissionDeniedByStatusSidecar() throws Exception {
        String out = runJava(printedCommand("HealthCheck --reflection"), 1);

        assertThat(out).startsWith("PERMISSION_DENIED").contains("request-id");
    }

    @Test
    void endpointsJson_listsBothWorkloads_withTheirSidecarsAddresses() throws Exception {
        String endpoints = Files.readString(dataDir.resolve("endpoints.json"));

        for (String name : List.of("whoami", "status")) {
            Matcher m = Pattern.compile("\\{\"name\": \"" + name + "\", \"spiffe_id\": \"spiffe://" + DOMAIN + "/demo/" + name
                    + "\", \"outbound\": \"127\\.0\\.0\\.1:\\d+\", \"inbound\": \"127\\.0\\.0\\.1:\\d+\", \"workload_api\": \"([^\"]*)\"")
                    .matcher(endpoints);
            assertThat(m.find()).as("%s in %s", name, endpoints).isTrue();
            assertThat(m.group(1)).isEqualTo(dataDir.toRealPath().resolve("demo").resolve(name).resolve("workload.sock").toString());
            assertThat(Path.of(m.group(1))).as("the Workload API socket").exists();
        }
    }

    /** The command the launcher printed that starts with (or, for a java command, holds) {@code start}. */
    private String printedCommand(String start) throws IOException {
        return launcherLog().lines().map(String::trim).filter(l -> l.startsWith(start) || (l.startsWith("'") && l.contains(start)))
                .findFirst().orElseThrow(() -> new AssertionError("no '" + start + "' command in:\n" + launcherLog()));
    }

    /** Runs a printed java command; its standard output (the JVM's own warnings go to standard error). */
    private static String runJava(String command, int expectedExit) throws Exception {
        Path err = Files.createTempFile(tmp, "java", ".err");
        Process p = new ProcessBuilder("bash", "-c", command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s%s", command, out, Files.readString(err)).isEqualTo(expectedExit);
        return out;
    }

    private String run(String command) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", command + " --max-time 30").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
        return out;
    }

    private String launcherLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
