package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.identity.v1.InvalidTokenReason;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 11, point 9: a stream of invalid tokens sent to ValidateToken while the audit
 * trail's database does not take writes (a real PostgreSQL whose {@code audit_event} table another
 * session holds locked). The token rpcs run on the event loop; they must answer anyway, every one
 * of them, and mint too; the denials reach the audit trail once the database takes writes again.
 */
@RequiresPostgres
class InlineTokenCallsWithStuckAuditTest {

    private static final int CALLS = 300;

    private TestDatabase db;
    private GrpcTokenServer server;
    private Connection locker;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.postgres();
        server = new GrpcTokenServer("stuck.test", db, null);
    }

    @AfterEach
    void stop() throws Exception {
        if (locker != null) {
            locker.rollback();
            locker.close();
        }
        server.close();
        db.close();
    }

    private void lockTheAuditTable() throws Exception {
        locker = DriverManager.getConnection(db.url(), "postgres", "");
        locker.setAutoCommit(false);
        try (Statement s = locker.createStatement()) {
            s.execute("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE");
        }
    }

    @Test
    void invalidTokens_areAnswered_whileTheAuditTableIsLocked_andAuditedAfterwards() throws Exception {
        SpiffeId api = server.workload("/ns/payments/sa/api");
        SpiffeId orders = server.workload("/ns/orders/sa/api");
        // Warm the registry and keys, so the calls below are the inline ones.
        String good = server.as(api, 10).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(orders.toString()).build())
                .getToken();
        lockTheAuditTable();
        var validator = server.as(orders, 5);

        for (int i = 0; i < CALLS; i++) {
            String forged = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + i;
            var reply = validator.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS).validateToken(
                    ValidateTokenRequest.newBuilder().setToken(forged).setAudience(orders.toString()).build());
            assertThat(reply.getValid()).isFalse();
            assertThat(reply.getReason()).isIn(InvalidTokenReason.INVALID_TOKEN_REASON_BAD_SIGNATURE,
                    InvalidTokenReason.INVALID_TOKEN_REASON_MALFORMED);
        }
        var minted = server.as(api, 5).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(orders.toString()).build());
        assertThat(minted.getToken()).isNotEmpty();

        locker.rollback();
        var denials = server.context().getBean(AuditLog.class)
                .find(new AuditQuery("stuck.test", Instant.EPOCH, Optional.of("identity.validate_token"), 1000));
        assertThat(denials).hasSize(CALLS).allMatch(e -> e.outcome() == AuditEvent.Outcome.DENIED);
    }
}
