package io.meshid.ca.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.issuance.WorkloadCa;
import io.meshid.ca.issuance.X509SvidParams;
import io.meshid.common.bench.ClientTransport;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The issuance load benchmark (docs/benchmarks.md, "Certificate issuance"): starts the real CA
 * in this JVM over mutual TLS with its journal in the machine's PostgreSQL, measures the raw
 * ECDSA P-256 rates of this machine, then issues X.509-SVIDs as identity-server would, over
 * persistent channels, at several concurrency levels, and prints a Markdown report. The load
 * client shares the machine (and this JVM) with the server. Not a unit test: run it with
 * {@code cert-authority/bench/run-issuance.sh}. Traffic goes to 127.0.0.1 only; every phase is
 * bounded in time.
 *
 * <p>System properties: {@code bench.concurrency} (calls in flight, comma-separated levels;
 * default 8,16,32,64), {@code bench.channels} (4), {@code bench.duration} (seconds per level, 20),
 * {@code bench.warmup} (seconds of load before the first level, 60: on two busy cores the JIT
 * needs about 40 s to reach steady state; 2 s before the others),
 * {@code bench.maxCalls} (per level, 2,000,000), {@code bench.direct} (levels of the in-process
 * comparison, 32; empty for none), {@code bench.profile} (level of an extra profiled window,
 * 32; 0 for none), {@code bench.profileDuration} (10), {@code bench.db} ({@code postgres} or
 * {@code h2}), {@code bench.csrs} (pre-made CSRs, 2000), {@code bench.clientThreads} (the client's
 * event loop threads, 1), {@code bench.out} (folder for the report and the JFR file).
 */
public final class IssuanceBenchmark {

    static final String CLIENT_THREAD_PREFIX = "bench-client";
    private static final String CALLER = "spiffe://" + CaServer.DOMAIN + "/meshid/identity-server";

    private IssuanceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> levels = ints("bench.concurrency", "8,16,32,64");
        List<Integer> direct = ints("bench.direct", "32");
        int channels = Integer.getInteger("bench.channels", 4);
        Duration duration = Duration.ofSeconds(Integer.getInteger("bench.duration", 20));
        Duration warmup = Duration.ofSeconds(Integer.getInteger("bench.warmup", 60));
        long maxCalls = Long.getLong("bench.maxCalls", 2_000_000L);
        int profileAt = Integer.getInteger("bench.profile", 32);
        Duration profileDuration = Duration.ofSeconds(Integer.getInteger("bench.profileDuration", 10));
        boolean postgres = !"h2".equalsIgnoreCase(System.getProperty("bench.db", "postgres"));
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));

        Report report = new Report(System.getProperty("bench.command", "(see docs/benchmarks.md)"), postgres
                ? "PostgreSQL " + postgresVersion() + " on 127.0.0.1 (same machine)" : "H2 in memory");
        log("raw signature rates, one thread, 2 s each");
        report.rate(SignatureRates.jca(CryptoProvider.get(), Duration.ofSeconds(2)));
        report.rate(SignatureRates.jca(Security.getProvider("SunEC"), Duration.ofSeconds(2)));
        SignatureRates.openssl(2).ifPresentOrElse(report::rate, () -> log("openssl speed: not available or unparsable"));

        int csrCount = Integer.getInteger("bench.csrs", 2000);
        log("making " + csrCount + " P-256 keys and CSRs (not timed)");
        List<byte[]> csrs = new ArrayList<>();
        for (int i = 0; i < csrCount; i++) {
            csrs.add(Csrs.of(Csrs.ec("secp256r1")));
        }

        log("starting the CA (" + (postgres ? "PostgreSQL" : "H2") + " journal)");
        try (CaServer server = new CaServer(postgres ? TestDatabase.postgres() : TestDatabase.h2(), Map.of())) {
            EventLoopGroup clientLoop = ClientTransport.eventLoops(Integer.getInteger("bench.clientThreads", 1), CLIENT_THREAD_PREFIX);
            List<ManagedChannel> open = channels(server, channels, clientLoop);
            try {
                List<SignX509SvidRequest> requests = new ArrayList<>();
                List<X509SvidParams> params = new ArrayList<>();
                for (int i = 0; i < csrs.size(); i++) {
                    String id = "spiffe://" + CaServer.DOMAIN + "/ns/bench/sa/w" + (i % 100);
                    requests.add(SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(csrs.get(i))).setSpiffeId(id).build());
                    params.add(new X509SvidParams(csrs.get(i), SpiffeId.parse(id), Optional.empty(), List.of(), "", CALLER));
                }
                boolean first = true;
                for (int level : levels) {
                    log("gRPC load: " + level + " in flight over " + channels + " channels, " + duration.toSeconds() + " s");
                    report.run(new IssuanceLoad().overGrpc(open, requests, level, first ? warmup : Duration.ofSeconds(2),
                            duration, maxCalls, null));
                    first = false;
                }
                WorkloadCa ca = server.context().getBean(WorkloadCa.class);
                for (int level : direct) {
                    log("in-process load: " + level + " threads, " + duration.toSeconds() + " s");
                    report.run(new IssuanceLoad().inProcess(ca, params, level, Duration.ofSeconds(2), duration, maxCalls));
                }
                if (profileAt > 0) {
                    log("profiled gRPC load: " + profileAt + " in flight, " + profileDuration.toSeconds() + " s (JFR CPU-time sampler)");
                    StageProfile profile = new StageProfile(out.resolve("issuance-" + stamp + ".jfr"), "2ms");
                    report.profiled(new IssuanceLoad().overGrpc(open, requests, profileAt, Duration.ofSeconds(2),
                            profileDuration, maxCalls, profile));
                }
            } finally {
                open.forEach(ManagedChannel::shutdownNow);
                for (ManagedChannel c : open) {
                    c.awaitTermination(5, TimeUnit.SECONDS);
                }
                clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
        String markdown = report.markdown();
        Path file = out.resolve("issuance-" + stamp + ".md");
        Files.writeString(file, markdown);
        System.out.println();
        System.out.println(markdown);
        log("report written to " + file.toAbsolutePath());
        System.exit(0);
    }

    /** Persistent mTLS channels authenticated as identity-server, each connected before the load starts. */
    private static List<ManagedChannel> channels(CaServer server, int count, EventLoopGroup loop) {
        SvidSource own = server.context().getBean(SvidSource.class);
        StaticSvidSource client = new StaticSvidSource(server.svid(CALLER), own.bundle());
        SpiffeId expected = SpiffeId.parse("spiffe://" + CaServer.DOMAIN + "/meshid/cert-authority");
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                    .sslContext(TlsContexts.grpcClient(client, expected::equals))
                    .eventLoopGroup(loop)
                    .channelType(ClientTransport.channelType())
                    .directExecutor()
                    .build();
            CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getTrustBundle(GetTrustBundleRequest.getDefaultInstance());
            channels.add(channel);
        }
        return channels;
    }

    private static String postgresVersion() {
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                ResultSet rs = c.createStatement().executeQuery("SHOW server_version")) {
            return rs.next() ? rs.getString(1).split(" ")[0] : "?";
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL at " + ExternalServices.postgresUrl() + " is not reachable ("
                    + e.getMessage() + "); start it (docs/benchmarks.md) or run with -Dbench.db=h2", e);
        }
    }

    private static List<Integer> ints(String property, String fallback) {
        String value = System.getProperty(property, fallback).strip();
        if (value.isEmpty() || value.equals("0")) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).map(Integer::parseInt).toList();
    }

    static void log(String line) {
        System.err.println("[bench " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + "] " + line);
    }
}
