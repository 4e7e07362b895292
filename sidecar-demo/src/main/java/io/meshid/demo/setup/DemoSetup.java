package io.meshid.demo.setup;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.demo.status.StatusService;
import io.meshid.demo.whoami.WhoamiService;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin step of {@code ./meshid dev}'s sidecar demo, run once per start after the servers are
 * ready: registers the two demo workloads ({@code whoami}, HTTP; {@code status}, gRPC) as the dev
 * admin, makes a fresh join token for each sidecar, adds the demo policies to the active policy
 * set, and writes under {@code <data-dir>/demo/}: each sidecar's {@code sidecar.yaml} and
 * {@code join-token} (0600), and {@code workloads.txt}, one line per workload for the launcher:
 * {@code name main-class workload inbound outbound spiffe-id}.
 *
 * <p>Ports: with a port base N, whoami's workload, sidecar inbound and outbound are N+211, N+212,
 * N+213, status's N+221, N+222, N+223; with 0 the OS picks free ones now (each sidecar's route
 * must name the other's inbound port before either starts).
 *
 * <pre>DemoSetup --data-dir DIR --trust-domain TD --port-base N --ca HOST:PORT --identity HOST:PORT --policy HOST:PORT</pre>
 */
public final class DemoSetup {

    private record Spec(String name, String main, int offset) {
    }

    private static final List<Spec> WORKLOADS = List.of(new Spec("whoami", WhoamiService.class.getName(), 210),
            new Spec("status", StatusService.class.getName(), 220));

    private DemoSetup() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        Path dataDir = Path.of(o.get("data-dir")).toAbsolutePath();
        TrustDomain td = TrustDomain.of(o.get("trust-domain"));
        int base = Integer.parseInt(o.get("port-base"));
        List<DemoWorkload> workloads = plan(td, base);
        Path admin = dataDir.resolve("credentials/admin");
        Path demo = Files.createDirectories(dataDir.resolve("demo"));
        try (PemFileSvidSource adminSvid = new PemFileSvidSource(admin.resolve("cert.pem"), admin.resolve("key.pem"),
                admin.resolve("bundle.pem"), Duration.ofMinutes(1));
                DemoAdmin control = new DemoAdmin(adminSvid, td, o.get("identity"), o.get("policy"))) {
            System.out.println("demo: " + control.addPolicies(demoPolicies(td)));
            StringBuilder list = new StringBuilder();
            for (DemoWorkload w : workloads) {
                Path dir = Files.createDirectories(demo.resolve(w.name()));
                Path token = dir.resolve("join-token");
                writeSecret(token, control.joinToken(w.spiffeId()));
                DemoWorkload peer = workloads.stream().filter(p -> p != w).findFirst().orElseThrow();
                Path socket = dir.resolve("workload.sock");
                String yaml = SidecarYaml.of(td, w, peer, o.get("ca"), o.get("identity"), o.get("policy"),
                        admin.resolve("bundle.pem"), token, socket.toString().length() <= 100 ? socket : null);
                writeAtomically(dir.resolve("sidecar.yaml"), yaml);
                list.append(String.join(" ", w.name(), w.main(), w.workload(), w.inbound(), w.outbound(), w.spiffeId().toString()))
                        .append('\n');
            }
            writeAtomically(demo.resolve("workloads.txt"), list.toString());
        }
    }

    /** The two workloads and their ports: fixed from the base, or free ones now when the base is 0. */
    static List<DemoWorkload> plan(TrustDomain td, int base) throws IOException {
        List<Integer> free = base == 0 ? freePorts(WORKLOADS.size() * 3) : List.of();
        List<DemoWorkload> out = new ArrayList<>();
        for (int i = 0; i < WORKLOADS.size(); i++) {
            Spec s = WORKLOADS.get(i);
            int[] ports = new int[3];
            for (int k = 0; k < 3; k++) {
                ports[k] = base == 0 ? free.get(i * 3 + k) : base + s.offset() + k + 1;
            }
            out.add(new DemoWorkload(s.name(), s.main(), DemoWorkload.idOf(td, s.name()), "127.0.0.1:" + ports[0],
                    "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]));
        }
        return out;
    }

    /** The demo policies for {@code td}. */
    static String demoPolicies(TrustDomain td) throws IOException {
        try (InputStream in = DemoSetup.class.getResourceAsStream("demo-policies.cedar")) {
            if (in == null) {
                throw new IllegalStateException("demo-policies.cedar is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("TRUST_DOMAIN", td.name());
        }
    }

    /** {@code n} distinct ports that are free on loopback now (all held open together, then released). */
    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static Map<String, String> options(String[] args) {
        List<String> required = List.of("data-dir", "trust-domain", "port-base", "ca", "identity", "policy");
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String key = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!required.contains(key)) {
                usage("unknown option '" + args[i] + "'");
            }
            o.put(key, args[i + 1]);
        }
        if (args.length % 2 != 0 || !o.keySet().containsAll(required)) {
            usage("missing options");
        }
        if (!o.get("port-base").matches("\\d{1,5}")) {
            usage("--port-base '" + o.get("port-base") + "' (expected: a number, 0 to let the OS choose)");
        }
        return o;
    }

    private static void usage(String what) {
        System.err.println("demo setup: " + what + " (expected: --data-dir DIR --trust-domain TD --port-base N"
                + " --ca HOST:PORT --identity HOST:PORT --policy HOST:PORT)");
        System.exit(2);
    }

    private static void writeSecret(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The SPIFFE ID of the meshid server {@code server} of {@code td}. */
    static SpiffeId serverId(TrustDomain td, String server) {
        return SpiffeId.of(td, "/meshid/" + server);
    }
}
