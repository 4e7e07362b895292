package io.meshid.sidecar;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.sidecar.workloadapi.WorkloadApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What a started sidecar tells whoever launched it ({@code SidecarMain --ready-file FILE}): one line
 * of JSON, {@code {"spiffe_id", "inbound", "outbound", "workload_api", "ready_ms", "ready_cpu_ms"}}, written
 * atomically (a temporary file renamed into place) once the sidecar is attested and both listeners
 * accept connections, so a file that exists is complete. {@code ready_ms} is the time from the
 * JVM's start to that moment (issue 13's goal: 2 s after the first run); {@code ready_cpu_ms} the
 * process's CPU time (user and system, every thread) until then, steadier than wall time on a busy
 * machine (-1 when the platform does not tell).
 *
 * @param spiffeId    the sidecar's SPIFFE ID
 * @param inbound     the mutual-TLS listener, host:port
 * @param outbound    the app's plaintext listener, host:port
 * @param workloadApi the Workload API's socket path, or "" when none is served
 * @param readyMillis milliseconds from the JVM's start to ready
 * @param readyCpuMillis milliseconds of CPU the process used until ready, or -1 when unknown
 */
public record ReadyFile(SpiffeId spiffeId, String inbound, String outbound, String workloadApi, long readyMillis,
        long readyCpuMillis) {

    /** The ready state of {@code sidecar} now. */
    static ReadyFile of(SpiffeId spiffeId, Sidecar sidecar, WorkloadApiServer workloadApi) {
        long sinceStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        long cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
        return new ReadyFile(spiffeId, hostPort(sidecar.inboundAddress()), hostPort(sidecar.outboundAddress()),
                workloadApi == null ? "" : workloadApi.socket().toString(), sinceStart, cpu);
    }

    /** The JSON line (no value needs escaping: SPIFFE IDs, addresses and the socket path are checked on the way in). */
    String json() {
        return "{\"spiffe_id\": \"" + spiffeId + "\", \"inbound\": \"" + inbound + "\", \"outbound\": \"" + outbound
                + "\", \"workload_api\": \"" + workloadApi.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\", \"ready_ms\": " + readyMillis + ", \"ready_cpu_ms\": " + readyCpuMillis + "}\n";
    }

    /** Writes the file atomically. */
    void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, json());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("--ready-file: cannot write " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
