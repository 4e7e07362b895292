package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.jwt.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Who may revoke what, and how long a revocation is kept, on a moving clock. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenRevocationTest {

    private static final TrustDomain HOME = TrustDomain.of("rev.test");
    private static final SpiffeId USER = SpiffeId.parse("spiffe://rev.test/ns/a/sa/user");
    private static final SpiffeId ACTOR = SpiffeId.parse("spiffe://rev.test/ns/a/sa/gateway");
    private static final SpiffeId BYSTANDER = SpiffeId.parse("spiffe://rev.test/ns/a/sa/other");

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private TestDatabase db;
    private ApplicationContext context;
    private TokenRevocation revocation;
    private TokenVerifier verifier;

    @BeforeAll
    void start() {
        db = TestDatabase.h2();
        context = JwtTestContexts.start(JwtTestContexts.properties(db, "rev.test"), clock);
        revocation = context.getBean(TokenRevocation.class);
        verifier = context.getBean(TokenVerifier.class);
    }

    @AfterAll
    void stop() {
        context.close();
        db.close();
    }

    private TokenIssuer.IssuedToken delegated() {
        return context.getBean(TokenIssuer.class).issue(new TokenIssuer.TokenParams(HOME, TokenType.AT_JWT,
                new JWTClaimsSet.Builder().subject(USER.toString()).audience("svc").claim("act", Map.of("sub", ACTOR.toString()))
                        .build(), Duration.ofMinutes(5)));
    }

    private TokenCheck check(String token) {
        return verifier.verify(token, TokenVerifier.Expectations.anyType(HOME, "svc"));
    }

    @Test
    void theActor_mayRevoke_aBystanderMayNot() {
        var t = delegated();

        assertThatThrownBy(() -> revocation.revokeToken(BYSTANDER, t.token(), ""))
                .isInstanceOf(MeshidException.PermissionDenied.class)
                .hasMessageContaining("its subject " + USER);
        assertThat(check(t.token()).valid()).isTrue();

        assertThat(revocation.revokeToken(ACTOR, t.token(), "session ended")).isEqualTo(t.expiresAt());
        assertThat(((TokenCheck.Invalid) check(t.token())).reason()).isEqualTo(TokenCheck.Reason.REVOKED);
    }

    @Test
    void aRevocation_isKeptThroughTheSkewAfterExp_thenDropped() {
        var t = delegated();
        revocation.revokeToken(USER, t.token(), "");
        Instant start = clock.instant();
        try {
            clock.set(t.expiresAt().plusSeconds(59));
            assertThat(((TokenCheck.Invalid) check(t.token())).reason()).isEqualTo(TokenCheck.Reason.REVOKED);

            clock.set(t.expiresAt().plusSeconds(61));
            assertThat(context.getBean(SharedStore.class).contains("revoked:jti:rev.test:" + t.jti())).isFalse();
            assertThat(((TokenCheck.Invalid) check(t.token())).reason()).isEqualTo(TokenCheck.Reason.EXPIRED);
        } finally {
            clock.set(start);
        }
    }

    @Test
    void revokingAnExpiredToken_succeeds_andStoresNothing() {
        var t = delegated();
        Instant start = clock.instant();
        try {
            clock.set(t.expiresAt().plusSeconds(600));

            assertThat(revocation.revokeToken(USER, t.token(), "")).isEqualTo(t.expiresAt());
            assertThat(context.getBean(SharedStore.class).contains("revoked:jti:rev.test:" + t.jti())).isFalse();
        } finally {
            clock.set(start);
        }
    }

    @Test
    void byJti_anAdminRevokesForTheLongestTokenLifetime() {
        var t = delegated();

        Instant until = revocation.revokeJti(SpiffeId.parse("spiffe://rev.test/meshid/admin"), HOME, t.jti(), "incident 42");

        assertThat(until).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(((TokenCheck.Invalid) check(t.token())).reason()).isEqualTo(TokenCheck.Reason.REVOKED);
        assertThatThrownBy(() -> revocation.revokeJti(USER, HOME, "x", "")).isInstanceOf(MeshidException.PermissionDenied.class);
    }
}
