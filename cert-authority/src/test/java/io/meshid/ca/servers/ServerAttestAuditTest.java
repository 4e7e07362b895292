package io.meshid.ca.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CA's anonymous {@code Attest}, as someone guessing server join tokens would use it: every
 * refusal is in the audit trail with the token's fingerprint and the source address, never the
 * token; one guesser retrying the same token writes one row plus a count, not a row per call; and
 * the source is cut off with {@code RESOURCE_EXHAUSTED} past the per-source limit of the method.
 */
class ServerAttestAuditTest {

    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://ca.test/meshid/policy-server");
    private static final int LIMIT = 5;

    private CaServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        server = new CaServer(TestDatabase.h2(), Map.of("meshid.rate-limit.method-limits",
                List.of("meshid.identity.v1.IdentityService/Attest=" + LIMIT + "/PT1M")));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.close();
    }

    @Test
    void refusedAndGrantedAttestations_areAudited_withTheTokensFingerprint_neverTheToken() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String guessed = "guessed-token-" + System.nanoTime();
        String real = server.context().getBean(ServerIdentities.class).createToken(POLICY, Duration.ofMinutes(10));

        for (int i = 0; i < 3; i++) {
            assertCode(() -> stub().attest(attest(guessed)), Status.Code.UNAUTHENTICATED);
        }
        assertThat(stub().attest(attest(real)).getSvid().getSpiffeId()).isEqualTo(POLICY.toString());

        List<AuditEvent> events = server.context().getBean(AuditLog.class).find(new AuditQuery(CaServer.DOMAIN, before,
                Optional.of(ServerIdentities.ATTEST_ACTION), 100));
        assertThat(events).noneSatisfy(e -> assertThat(e.target() + e.detail()).contains(guessed))
                .noneSatisfy(e -> assertThat(e.target() + e.detail()).contains(real));
        assertThat(events).filteredOn(e -> e.outcome() == AuditEvent.Outcome.DENIED)
                .as("the same guess three times: one row (its repeats are counted later, not stored one by one)")
                .singleElement().satisfies(e -> {
                    assertThat(e.target()).isEqualTo("join token " + ServerIdentities.fingerprint(guessed));
                    assertThat(e.actor()).isEqualTo("anonymous");
                    assertThat(e.detail()).contains("not a valid server join token").contains("from 127.0.0.1");
                });
        assertThat(events).filteredOn(e -> e.outcome() == AuditEvent.Outcome.SUCCESS).singleElement().satisfies(e -> {
            assertThat(e.target()).isEqualTo(POLICY.toString());
            assertThat(e.detail()).contains("join token " + ServerIdentities.fingerprint(real));
        });
    }

    @Test
    void aSourceGuessingTokens_isCutOffPastTheMethodsLimit_andTheCutOffCallSpendsNoToken() throws Exception {
        for (int i = 0; i < LIMIT; i++) {
            String guess = "guess-" + i;
            assertCode(() -> stub().attest(attest(guess)), Status.Code.UNAUTHENTICATED);
        }
        String real = server.context().getBean(ServerIdentities.class).createToken(POLICY, Duration.ofMinutes(10));

        assertCode(() -> stub().attest(attest(real)), Status.Code.RESOURCE_EXHAUSTED);
        // Refused before the service: the token is still good (redeemed here without the gRPC door).
        assertThat(server.context().getBean(ServerIdentities.class)
                .attest(real, Csrs.of(Csrs.ec("secp256r1")), Optional.empty()).spiffeId()).isEqualTo(POLICY);
    }

    private IdentityServiceBlockingStub stub() {
        return IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static AttestRequest attest(String token) throws Exception {
        return AttestRequest.newBuilder().setJoinToken(token).setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build();
    }

    private static void assertCode(ThrowingCall call, Status.Code code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }
}
