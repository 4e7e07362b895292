package io.meshid.sidecar.it;

import com.google.protobuf.Duration;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real control plane of these tests: cert-authority and identity-server, each its own process
 * started from the jar the reactor built (with its lib/), on ports the OS chooses, with their data
 * in a temporary directory, as {@code ./meshid dev} starts them. An admin (the CA's dev admin
 * credentials) creates registration entries and join tokens and rotates authorities.
 */
final class ControlPlane implements AutoCloseable {

    static final String DOMAIN = "sidecar.test";
    static final SpiffeId IDENTITY_SERVER = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/identity-server");
    static final SpiffeId CA = SpiffeId.parse("spiffe://" + DOMAIN + "/meshid/cert-authority");

    final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final String caGrpc;
    private final String identityGrpc;
    private final PemFileSvidSource admin;

    ControlPlane(Path dir) throws Exception {
        this.dir = dir;
        Path creds = dir.resolve("credentials");
        Path caKek = Files.writeString(dir.resolve("ca-kek"), "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");
        Path idKek = Files.writeString(dir.resolve("id-kek"), "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
        try {
            caGrpc = start("cert-authority", List.of("-Dmeshid.ca.key-encryption-key-file=" + caKek, "-Dmeshid.ca.dev.credentials-dir=" + creds,
                    "-Dmeshid.ca.bundle-endpoint.port=0", "-Dmeshid.ca.dns-name-suffixes=" + DOMAIN + "=svc"),
                    creds.resolve("identity-server/bundle.pem"));
            identityGrpc = start("identity-server", List.of("-Dmeshid.tls.mode=SVID",
                    "-Dmeshid.tls.cert-file=" + creds.resolve("identity-server/cert.pem"),
                    "-Dmeshid.tls.key-file=" + creds.resolve("identity-server/key.pem"),
                    "-Dmeshid.tls.bundle-file=" + creds.resolve("identity-server/bundle.pem"),
                    "-Dmeshid.identity.ca-address=" + caGrpc, "-Dmeshid.revocation.ca-address=" + caGrpc,
                    "-Dmeshid.identity.key-encryption-key-file=" + idKek), null);
        } catch (Exception e) {
            close();
            throw e;
        }
        admin = new PemFileSvidSource(creds.resolve("admin/cert.pem"), creds.resolve("admin/key.pem"), creds.resolve("admin/bundle.pem"),
                java.time.Duration.ofSeconds(5));
    }

    /** The root certificates a sidecar is given to verify identity-server on its first attestation. */
    Path bootstrapBundle() {
        return dir.resolve("credentials/admin/bundle.pem");
    }

    /** A sidecar configuration attesting with a new join token for a new entry of {@code path} whose SVIDs live {@code ttl}. */
    IdentityConfig sidecar(String path, java.time.Duration ttl) {
        var registry = RegistryServiceGrpc.newBlockingStub(channel(identityGrpc, IDENTITY_SERVER)).withDeadlineAfter(30, TimeUnit.SECONDS);
        var entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://" + DOMAIN + path)
                .setX509SvidTtl(Duration.newBuilder().setSeconds(ttl.toSeconds())).build()).getEntry();
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();
        return IdentityConfig.of(identityGrpc, IDENTITY_SERVER, caGrpc, CA, bootstrapBundle(), new Evidence.JoinToken(token));
    }

    /** Rotates the trust domain's intermediate (or root) as the admin. */
    void rotate(AuthorityLevel level) {
        CertificateAuthorityGrpc.newBlockingStub(channel(caGrpc, CA)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .rotateAuthority(RotateAuthorityRequest.newBuilder().setTrustDomain(DOMAIN).setLevel(level)
                        .setReason("sidecar rotation test").build());
    }

    String identityServer() {
        return identityGrpc;
    }

    private ManagedChannel channel(String address, SpiffeId server) {
        int colon = address.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .sslContext(TlsContexts.grpcClient(admin, server::equals)).build();
        channels.add(c);
        return c;
    }

    /** Starts {@code server}'s jar; waits up to 90 s for its ready file (and {@code alsoWaitFor}); returns its gRPC address. */
    private String start(String server, List<String> options, Path alsoWaitFor) throws IOException, InterruptedException {
        Path ready = dir.resolve(server + ".json");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-Dmeshid.data-dir=" + dir, "-Dmeshid.trust-domain=" + DOMAIN, "-Dmeshid.server.ready-file=" + ready,
                "-Dmicronaut.server.port=-1", "-Dgrpc.server.port=0"));
        command.addAll(options);
        command.addAll(List.of("-jar", jar(server).toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(server + ".log").toFile()).start();
        processes.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(ready) && Files.size(ready) > 0 && (alsoWaitFor == null || Files.exists(alsoWaitFor)))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(server + " did not start; its log:\n" + log(server));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        Matcher grpc = Pattern.compile("\"grpc\": ?\"([^\"]+)\"").matcher(Files.readString(ready));
        if (!grpc.find()) {
            throw new IllegalStateException(server + "'s ready file names no gRPC address: " + Files.readString(ready));
        }
        return grpc.group(1);
    }

    String log(String server) {
        try {
            return Files.readString(dir.resolve(server + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (admin != null) {
            admin.close();
        }
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** {@code server}'s jar that the reactor built before this module, with its lib/ beside it. */
    private static Path jar(String server) {
        File target = Path.of("..", server, "target").toFile();
        File[] jars = target.listFiles((d, n) -> n.startsWith("meshid-" + server + "-") && n.endsWith(".jar") && !n.contains("tests"));
        if (jars == null || jars.length == 0 || !new File(target, "lib").isDirectory()) {
            throw new IllegalStateException(target.getAbsolutePath() + " has no jar and lib/: build with "
                    + "./mvnw -pl sidecar-it -am verify (the servers are packaged before these tests)");
        }
        return jars[0].toPath().toAbsolutePath();
    }
}
