package io.meshid.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.server.RequestIdServerInterceptor;
import io.meshid.common.testing.TextMethods;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A real gRPC server whose rpcs fail on a real database that refuses them (H2 without the tables
 * they need): the caller gets the status code, the failing component and its request id, and not
 * one word of the SQL or the driver's message; the log gets the detail under the same request id.
 */
class ErrorRepliesWithoutDriverTextTest {

    private static final MethodDescriptor<String, String> AUDIT = TextMethods.unary("test.Db/Audit");
    private static final MethodDescriptor<String, String> QUERY = TextMethods.unary("test.Db/Query");
    private static final MethodDescriptor<String, String> WRAPPED = TextMethods.unary("test.Db/Wrapped");
    private static final MethodDescriptor<String, String> INPUT = TextMethods.unary("test.Db/Input");
    private static final List<String> DRIVER_WORDS = List.of("SELECT", "INSERT", "AUDIT_EVENT", "audit_event", "SECRET_TABLE",
            "secret_table", "SQL", "h2", "42S02", "42102");

    private final JdbcDataSource database = new JdbcDataSource();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ErrorMappingInterceptor.class);
    private AuditLog audit;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        database.setURL("jdbc:h2:mem:errors-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        audit = io.meshid.common.audit.TestAuditLogs.jdbc(database);
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Db")
                .addMethod(AUDIT, ServerCalls.asyncUnaryCall((request, reply) -> {
                    audit.record(AuditEvent.of(Instant.now(), "err.test", "a", "x.do", "t", AuditEvent.Outcome.SUCCESS, "", "r"));
                    reply.onNext("stored");
                    reply.onCompleted();
                }))
                .addMethod(QUERY, ServerCalls.asyncUnaryCall((request, reply) -> {
                    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
                        s.executeQuery("SELECT password FROM secret_table");
                    } catch (SQLException e) {
                        throw new IllegalStateException("lookup failed: " + e.getMessage(), e);
                    }
                }))
                .addMethod(WRAPPED, ServerCalls.asyncUnaryCall((request, reply) -> {
                    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
                        s.executeUpdate("INSERT INTO secret_table VALUES (1)");
                    } catch (SQLException e) {
                        throw new MeshidException.InvalidArgument("entry: " + e.getMessage(), e);
                    }
                }))
                .addMethod(INPUT, ServerCalls.asyncUnaryCall((request, reply) -> {
                    throw new MeshidException.InvalidArgument("ttl: PT0S (expected: between PT1M and PT24H)");
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(ServerInterceptors.intercept(service, new ErrorMappingInterceptor(), new RequestIdServerInterceptor()))
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void stop() throws Exception {
        logger.detachAppender(log);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        io.meshid.common.audit.TestAuditLogs.close(audit);
    }

    private Status call(MethodDescriptor<String, String> method, String requestId) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), requestId);
        var intercepted = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        StatusRuntimeException e = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(
                () -> ClientCalls.blockingUnaryCall(intercepted, method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "x"));
        assertThat(e).as(method.getFullMethodName() + " failed").isNotNull();
        return e.getStatus();
    }

    private List<String> logLinesOf(String requestId) {
        return log.list.stream().filter(e -> e.getFormattedMessage().contains(requestId))
                .map(e -> e.getFormattedMessage() + " " + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
                .toList();
    }

    @Test
    void anAuditTrailThatCannotWrite_isUnavailable_withTheRequestIdAndNoSql() {
        Status status = call(AUDIT, "req-audit-1");

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).startsWith("audit trail: unavailable").contains("req-audit-1");
        assertThat(DRIVER_WORDS).noneMatch(status.getDescription()::contains);
        assertThat(logLinesOf("req-audit-1")).anyMatch(line -> line.contains("AUDIT_EVENT"));
    }

    @Test
    void anUnexpectedExceptionWithDriverText_isInternal_withTheRequestIdOnly() {
        Status status = call(QUERY, "req-query-2");

        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).isEqualTo("internal error (request id req-query-2); see the server log");
        assertThat(logLinesOf("req-query-2")).anyMatch(line -> line.contains("SECRET_TABLE"));
    }

    @Test
    void aMeshidFailureCausedByTheDriver_keepsItsCode_butNotTheDriverText() {
        Status status = call(WRAPPED, "req-wrapped-3");

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).startsWith("entry: failed (request id req-wrapped-3)");
        assertThat(DRIVER_WORDS).noneMatch(status.getDescription()::contains);
    }

    @Test
    void aMeshidFailureOfItsOwn_keepsItsMessage() {
        Status status = call(INPUT, "req-input-4");

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("ttl: PT0S (expected: between PT1M and PT24H)");
    }
}
