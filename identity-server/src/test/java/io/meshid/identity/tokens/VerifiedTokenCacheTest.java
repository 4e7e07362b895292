package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.jwt.JwtKeyManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final TrustDomain TD = TrustDomain.of("cache.test");

    private static CheckedToken token(String jti, Instant exp) {
        return new CheckedToken(TokenType.JWT_SVID, JOSEObjectType.JWT, "spiffe://cache.test", TD,
                new JwtKeyManager.VerificationKey("kid", TD, null, exp), "spiffe://cache.test/a", Optional.empty(), List.of("b"), exp,
                Optional.empty(), Optional.of(NOW), jti, new JWTClaimsSet.Builder().jwtID(jti).build());
    }

    @Test
    void anEntry_isServedUntilItsExp_thenDropped() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10);
        TokenDigest digest = TokenDigest.of("a.b.c");
        CheckedToken t = token("j1", NOW.plusSeconds(60));

        cache.put(digest, t, NOW);

        assertThat(cache.get(TokenDigest.of("a.b.c"), NOW.plusSeconds(60))).isSameAs(t);
        assertThat(cache.get(TokenDigest.of("a.b.d"), NOW)).isNull();
        assertThat(cache.get(digest, NOW.plusSeconds(61))).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void whenFull_newTokensAreNotCached_untilExpiredOnesAreSwept() {
        VerifiedTokenCache cache = new VerifiedTokenCache(2);
        cache.put(TokenDigest.of("1"), token("1", NOW.plusSeconds(10)), NOW);
        cache.put(TokenDigest.of("2"), token("2", NOW.plusSeconds(100)), NOW);

        cache.put(TokenDigest.of("3"), token("3", NOW.plusSeconds(100)), NOW);
        assertThat(cache.get(TokenDigest.of("3"), NOW)).isNull();
        assertThat(cache.size()).isEqualTo(2);

        cache.put(TokenDigest.of("3"), token("3", NOW.plusSeconds(100)), NOW.plusSeconds(20));
        assertThat(cache.get(TokenDigest.of("3"), NOW.plusSeconds(20))).isNotNull();
        assertThat(cache.get(TokenDigest.of("1"), NOW)).isNull();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void expiredTokens_andAZeroCapacity_cacheNothing() {
        VerifiedTokenCache off = new VerifiedTokenCache(0);
        off.put(TokenDigest.of("x"), token("x", NOW.plusSeconds(60)), NOW);
        VerifiedTokenCache on = new VerifiedTokenCache(5);
        on.put(TokenDigest.of("y"), token("y", NOW.minusSeconds(1)), NOW);

        assertThat(off.size()).isZero();
        assertThat(on.size()).isZero();
        assertThatThrownBy(() -> new VerifiedTokenCache(-1)).hasMessage("capacity: -1 (expected: 0 or more)");
    }

    @Test
    void digests_compareByValue_andNeverShowTheToken() {
        assertThat(TokenDigest.of("a.b.c")).isEqualTo(TokenDigest.of("a.b.c")).hasSameHashCodeAs(TokenDigest.of("a.b.c"))
                .isNotEqualTo(TokenDigest.of("a.b.C"));
        assertThat(TokenDigest.of("secret.token.value").toString()).doesNotContain("secret").isEqualTo("TokenDigest[****]");
    }
}
