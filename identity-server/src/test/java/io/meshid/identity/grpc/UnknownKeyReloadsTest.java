package io.meshid.identity.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtKeyManager;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.InvalidTokenReason;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.RevokeTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 11, point 9: tokens with an {@code iss} or a {@code kid} meshid does not
 * know, sent by the hundred to RevokeToken and ValidateToken, each with a fresh issuer, to make
 * every call re-read the keys from the database. The clock stands still, so the count of reads
 * is what bounds them, not time.
 */
class UnknownKeyReloadsTest {

    private static final int CALLS = 100;

    private final MutableClock clock = MutableClock.at(Instant.now());
    private final ECKey attacker;
    private TestDatabase db;
    private GrpcTokenServer server;
    private JwtKeyManager keys;
    private SpiffeId api;
    private SpiffeId orders;

    UnknownKeyReloadsTest() throws Exception {
        attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker").generate();
    }

    @BeforeEach
    void start() throws Exception {
        db = TestDatabase.h2();
        server = new GrpcTokenServer("reload.test", db, clock);
        keys = server.context().getBean(JwtKeyManager.class);
        api = server.workload("/ns/payments/sa/api");
        orders = server.workload("/ns/orders/sa/api");
        server.as(api, 10).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(orders.toString()).build());
    }

    @AfterEach
    void stop() {
        server.close();
        db.close();
    }

    private String forged(String iss, String kid, String audience) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(kid).build(),
                new JWTClaimsSet.Builder().issuer(iss).subject(iss + "/ns/x/sa/y").audience(audience)
                        .expirationTime(Date.from(clock.instant().plus(Duration.ofMinutes(5)))).jwtID("j-" + kid).build());
        jwt.sign(new ECDSASigner(attacker));
        return jwt.serialize();
    }

    private void revokeWithUnknownIssuers(IdentityServiceBlockingStub stub, String round) throws Exception {
        for (int i = 0; i < CALLS; i++) {
            String token = forged("spiffe://unknown-" + round + "-" + i + ".example", "kid-" + round + "-" + i, "anyone");
            StatusRuntimeException e = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> stub.revokeToken(RevokeTokenRequest.newBuilder().setToken(token).build()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void revokeToken_withAFreshUnknownIssuerPerCall_readsTheStoreAtMostOncePerInterval() throws Exception {
        IdentityServiceBlockingStub stub = server.as(api, 10);
        long before = keys.storeReads();

        revokeWithUnknownIssuers(stub, "a");
        assertThat(keys.storeReads() - before).as("reads for %s calls", CALLS).isLessThanOrEqualTo(1);

        clock.advance(Duration.ofSeconds(6));
        revokeWithUnknownIssuers(stub, "b");
        assertThat(keys.storeReads() - before).as("reads for %s calls over two intervals", 2 * CALLS).isLessThanOrEqualTo(2);
    }

    @Test
    void validateToken_withUnknownKids_readsTheStoreAtMostOncePerInterval_andStillValidatesRealTokens() throws Exception {
        IdentityServiceBlockingStub stub = server.as(orders, 10);
        long before = keys.storeReads();
        clock.advance(Duration.ofSeconds(6));

        for (int i = 0; i < CALLS; i++) {
            var reply = stub.validateToken(ValidateTokenRequest.newBuilder()
                    .setToken(forged("spiffe://reload.test", "unknown-" + i, orders.toString())).setAudience(orders.toString()).build());
            assertThat(reply.getReason()).isEqualTo(InvalidTokenReason.INVALID_TOKEN_REASON_UNKNOWN_KEY);
        }

        assertThat(keys.storeReads() - before).as("reads for %s calls", CALLS).isLessThanOrEqualTo(1);
        String real = server.as(api, 10).mintJwtSvid(MintJwtSvidRequest.newBuilder().addAudience(orders.toString()).build())
                .getToken();
        assertThat(stub.validateToken(ValidateTokenRequest.newBuilder().setToken(real).setAudience(orders.toString()).build())
                .getValid()).isTrue();
    }
}
