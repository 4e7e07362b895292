package io.meshid.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every meshid server process must offer, checked against the real server on loopback
 * ports with ordinary clients: gRPC health and reflection, HTTP readiness, liveness and
 * Prometheus metrics, the ready file, request ids, and the embedded H2 database with the shared
 * migrations applied. Each server module runs it with its own expectations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerConventionsContract {

    private Path dataDir;
    private EmbeddedServer http;
    private ApplicationContext context;
    private ManagedChannel channel;
    private final HttpClient httpClient = HttpClient.newHttpClient();

    /** The server's {@code micronaut.application.name}. */
    protected abstract String applicationName();

    /** Fully qualified gRPC services the server must expose, such as {@code meshid.ca.v1.CertificateAuthority}. */
    protected abstract List<String> expectedServices();

    /**
     * Extra properties for the server under test; they override the contract's own, among them
     * {@code meshid.tls.mode=PLAINTEXT} (the contract's channel is plaintext).
     */
    protected Map<String, Object> extraProperties() {
        return Map.of();
    }

    @BeforeAll
    void startServer() throws IOException {
        dataDir = Files.createTempDirectory("meshid-" + applicationName());
        Map<String, Object> properties = new HashMap<>();
        properties.put("meshid.data-dir", dataDir.toString());
        properties.put("meshid.server.ready-file", dataDir.resolve("ready.json").toString());
        properties.put("micronaut.server.port", -1);
        properties.put("grpc.server.port", 0);
        // The contract talks plaintext gRPC; a subclass that tests mutual TLS overrides this in extraProperties().
        properties.put("meshid.tls.mode", "PLAINTEXT");
        properties.putAll(extraProperties());
        http = ApplicationContext.builder().properties(properties).propertySources(notConfiguration()).run(EmbeddedServer.class);
        context = http.getApplicationContext();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort()).usePlaintext().build();
    }

    /**
     * Environment variables with the MESHID_ prefix that are not settings and must not stop
     * start-up: logback's, and those Kubernetes makes for a Service named meshid-identity.
     */
    private static PropertySource notConfiguration() {
        return PropertySource.of("test-environment", Map.of("MESHID_LOG_FORMAT", "json", "MESHID_IDENTITY_SERVICE_HOST", "10.0.0.7",
                "MESHID_IDENTITY_SERVICE_PORT_GRPC", "7002", "MESHID_IDENTITY_PORT", "tcp://10.0.0.7:7002",
                "MESHID_IDENTITY_PORT_7002_TCP_ADDR", "10.0.0.7"), PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE);
    }

    private ConfigurationException startFailure(Map<String, Object> more, PropertySource... sources) throws IOException {
        Path dir = Files.createTempDirectory("meshid-unknown-" + applicationName());
        Map<String, Object> properties = new HashMap<>();
        properties.put("meshid.data-dir", dir.toString());
        properties.put("micronaut.server.port", -1);
        properties.put("grpc.server.port", 0);
        properties.put("meshid.tls.mode", "PLAINTEXT");
        properties.putAll(extraProperties());
        properties.putAll(more);
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (EmbeddedServer s = ApplicationContext.builder().properties(properties).propertySources(sources)
                    .run(EmbeddedServer.class)) {
                s.stop();
            }
        });
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException c) {
                return c;
            }
        }
        throw new AssertionError("start-up did not fail with a ConfigurationException", thrown);
    }

    @Test
    void aMisspeltMeshidKey_stopsStartUp_withOneLineNamingItAndTheClosestKey() throws IOException {
        ConfigurationException e = startFailure(Map.of("meshid.trust-domian", "prod.example.org"));

        assertThat(e.getMessage()).startsWith("meshid.trust-domian: not a meshid setting (from ")
                .contains("did you mean meshid.trust-domain?").doesNotContain("\n");
    }

    @Test
    void aMisspeltEnvironmentVariable_stopsStartUp_namingIt() throws IOException {
        ConfigurationException e = startFailure(Map.of(), PropertySource.of("test-environment",
                Map.of("MESHID_RATE_LIMIT_PER_CALER_PER_SECOND", "5"), PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));

        assertThat(e.getMessage()).startsWith("MESHID_RATE_LIMIT_PER_CALER_PER_SECOND: not a meshid setting (from test-environment; "
                + "expected: did you mean MESHID_RATE_LIMIT_PER_CALLER_PER_SECOND?");
    }

    @Test
    void anUnknownKeyUnderAKnownPrefix_stopsStartUp() throws IOException {
        assertThat(startFailure(Map.of("meshid.tls.certificate", "/etc/x.pem")).getMessage())
                .startsWith("meshid.tls.certificate: not a meshid setting");
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (http != null) {
            http.stop();
        }
        if (context != null && context.isRunning()) {
            context.stop();
        }
    }

    @Test
    void readyFile_namesTheBoundAddresses() throws IOException {
        String json = Files.readString(dataDir.resolve("ready.json"));

        assertThat(json).contains("\"server\": \"" + applicationName() + "\"");
        assertThat(json).contains("\"http\": \"http://127.0.0.1:" + http.getPort() + "\"");
        assertThat(grpcPort()).isPositive();
    }

    @Test
    void grpcHealth_reportsServing() {
        HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());

        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void grpcReflection_listsTheServersServices() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        services.complete(value.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();

        List<String> expected = new ArrayList<>(expectedServices());
        expected.add("grpc.health.v1.Health");
        expected.add("grpc.reflection.v1.ServerReflection");
        assertThat(services.get(5, TimeUnit.SECONDS)).containsAll(expected);
    }

    @Test
    void requestId_isEchoedInResponseHeaders() {
        AtomicReference<String> echoed = new AtomicReference<>();
        ClientInterceptor capture = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, io.grpc.Channel next) {
                return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "test-req-42");
                        super.start(new SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata responseHeaders) {
                                echoed.set(responseHeaders.get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER)));
                                super.onHeaders(responseHeaders);
                            }
                        }, headers);
                    }
                };
            }
        };

        HealthGrpc.newBlockingStub(ClientInterceptors.intercept(channel, capture))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());

        assertThat(echoed.get()).isEqualTo("test-req-42");
    }

    @Test
    void httpLivenessAndReadiness_areUp() throws Exception {
        for (String path : List.of("/health/liveness", "/health/readiness", "/health")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("UP");
        }
    }

    @Test
    void prometheus_exposesMetricsInTextFormat() throws Exception {
        HttpResponse<String> response = get("/prometheus");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    @Test
    void embeddedDatabase_isAFileUnderTheDataDir_withSharedTablesMigrated() {
        AuditLog audit = context.getBean(AuditLog.class);
        Instant now = Instant.now();
        audit.record(AuditEvent.of(now, "conventions.test", "tester", "test.record", "t",
                AuditEvent.Outcome.SUCCESS, "", "r"));

        assertThat(audit.find(new AuditQuery("conventions.test", now, Optional.empty(), 5))).hasSize(1);
        assertThat(dataDir.resolve(applicationName()).resolve("meshid.mv.db")).exists();
    }

    /** The port the gRPC server bound, read from the ready file. */
    protected int grpcPort() {
        try {
            Matcher m = Pattern.compile("\"grpc\": \"[^:]+:(\\d+)\"").matcher(Files.readString(dataDir.resolve("ready.json")));
            if (!m.find()) {
                throw new IllegalStateException("ready.json has no gRPC address");
            }
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return httpClient.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
