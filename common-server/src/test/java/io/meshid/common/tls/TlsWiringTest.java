package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshid.tls.*} wired into Micronaut's gRPC server: the modes, the files, the start-up failures. */
class TlsWiringTest {

    @TempDir
    Path dir;

    private final TestPki pki = TestPki.create("meshid.local");
    private ApplicationContext context;
    private ManagedChannel channel;

    @AfterEach
    void close() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (context != null) {
            context.close();
        }
    }

    @Test
    void config_defaultsToSvidMode() {
        context = ApplicationContext.run(properties(Map.of()));
        TlsConfig config = context.getBean(TlsConfig.class);

        assertThat(config.getMode()).isEqualTo(TlsConfig.Mode.SVID);
        assertThat(config.getPollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.getAnonymousMethods()).isEmpty();
        assertThat(context.containsBean(SvidSource.class)).isFalse();
    }

    @Test
    void svidMode_withoutAnSvidSource_failsStartUpNamingTheKeys() {
        context = ApplicationContext.run(properties(Map.of()));

        assertThatThrownBy(this::startGrpc)
                .rootCause()
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("meshid.tls.cert-file: not set (expected: the server's X.509-SVID chain in PEM, with"
                        + " meshid.tls.key-file and meshid.tls.bundle-file; or meshid.tls.mode=plaintext for local tests only)");
    }

    @Test
    void certFileWithoutKeyFile_failsStartUpNamingTheKey() throws IOException {
        writeFiles();
        context = ApplicationContext.run(properties(Map.of("meshid.tls.cert-file", dir.resolve("cert.pem").toString())));

        assertThatThrownBy(() -> context.getBean(SvidSource.class))
                .rootCause()
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("meshid.tls.key-file: not set (expected: the SVID's private key in PEM,"
                        + " since meshid.tls.cert-file is set)");
    }

    @Test
    void unreadableBundleFile_failsStartUpNamingTheKeyAndFile() throws IOException {
        writeFiles();
        Files.writeString(dir.resolve("bundle.pem"), "oops");
        context = ApplicationContext.run(properties(fileProperties(Map.of())));

        assertThatThrownBy(() -> context.getBean(SvidSource.class))
                .rootCause()
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("meshid.tls.bundle-file: bundle file " + dir.resolve("bundle.pem")
                        + ": PEM: no CERTIFICATE block (expected: one or more)");
    }

    @Test
    void svidMode_withPemFiles_servesMutualTls_andRefusesPlaintext() throws IOException {
        writeFiles();
        context = ApplicationContext.run(properties(fileProperties(Map.of())));
        int port = startGrpc();
        StaticSvidSource client = new StaticSvidSource(pki.svid("/ns/payments/sa/api"), pki.bundle());
        SvidSource server = context.getBean(SvidSource.class);

        channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(TlsContexts.grpcClient(client, server.svid().spiffeId()::equals)).build();
        assertThat(check(channel)).isEqualTo(ServingStatus.SERVING);

        ManagedChannel plaintext = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            assertThatThrownBy(() -> check(plaintext)).isInstanceOf(StatusRuntimeException.class);
        } finally {
            plaintext.shutdownNow();
        }
    }

    @Test
    void anonymousMethods_makeClientCertificatesOptional_andOtherMethodsUnauthenticated() throws IOException {
        writeFiles();
        context = ApplicationContext.run(properties(fileProperties(
                Map.of("meshid.tls.anonymous-methods", List.of("grpc.health.v1.Health/Check")))));
        int port = startGrpc();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(anonymousClient(context.getBean(SvidSource.class))).build();

        assertThat(check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .watch(HealthCheckRequest.getDefaultInstance()).next())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("a client X.509-SVID is required for grpc.health.v1.Health/Watch");
                });
    }

    @Test
    void plaintextMode_inLowerCase_servesPlaintext() {
        context = ApplicationContext.run(properties(Map.of("meshid.tls.mode", "plaintext")));
        int port = startGrpc();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();

        assertThat(context.getBean(TlsConfig.class).getMode()).isEqualTo(TlsConfig.Mode.PLAINTEXT);
        assertThat(check(channel)).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void pollIntervalOutOfBounds_failsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.tls.poll-interval", "PT0S")))
                        .getBean(TlsConfig.class))
                .rootCause()
                .hasMessage("meshid.tls.poll-interval: PT0S (expected: between PT0.1S and PT1H)");
    }

    @Test
    void connections_areClosedAfterMaxConnectionAge_andTheClientReconnectsWithAFullHandshake() throws Exception {
        writeFiles();
        context = ApplicationContext.run(properties(fileProperties(Map.of("meshid.tls.max-connection-age", "PT1S",
                "meshid.tls.max-connection-age-grace", "PT1S"))));
        int port = startGrpc();
        StaticSvidSource client = new StaticSvidSource(pki.svid("/ns/payments/sa/api"), pki.bundle());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(TlsContexts.grpcClient(client, context.getBean(SvidSource.class).svid().spiffeId()::equals)).build();
        Loopback.ClientSeen first = new Loopback.ClientSeen();
        assertThat(Loopback.check(channel, first)).isEqualTo(ServingStatus.SERVING);

        // The server sends GOAWAY after about a second; the channel then opens a new connection.
        Loopback.ClientSeen later = new Loopback.ClientSeen();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            Thread.sleep(200);
            assertThat(Loopback.check(channel, later)).isEqualTo(ServingStatus.SERVING);
        } while (later.session.get() == first.session.get() && System.nanoTime() < deadline);

        assertThat(later.session.get()).as("the TLS session of a new connection").isNotSameAs(first.session.get());
    }

    @Test
    void config_connectionLimitsDefault_toHalfTheShortestSvidTtl() {
        context = ApplicationContext.run(properties(Map.of()));
        TlsConfig config = context.getBean(TlsConfig.class);

        assertThat(config.getMaxConnectionAge()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getMaxConnectionAgeGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getMaxConnectionIdle()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void maxConnectionAge_longerThanHalfTheShortestSvidTtl_failsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ApplicationContext.run(properties(Map.of("meshid.tls.max-connection-age", "PT1M")))
                        .getBean(TlsConfig.class))
                .rootCause()
                .hasMessage("meshid.tls.max-connection-age: PT1M (expected: between PT1S and PT30S)");
    }

    private int startGrpc() {
        GrpcEmbeddedServer grpc = context.getBean(GrpcEmbeddedServer.class);
        grpc.start();
        return grpc.getPort();
    }

    private static ServingStatus check(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static SslContext anonymousClient(SvidSource server) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .trustManager(new SpiffeTrustManager(server, id -> true))
                .endpointIdentificationAlgorithm(null);
        return GrpcSslContexts.configure(builder).build();
    }

    private void writeFiles() throws IOException {
        X509Svid svid = pki.svid("/ns/meshid/sa/server");
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(pki.bundle().authorities()));
    }

    private Map<String, Object> fileProperties(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        return p;
    }

    private static Map<String, Object> properties(Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common"));
        p.put("grpc.server.port", 0);
        p.putAll(overrides);
        return p;
    }
}
