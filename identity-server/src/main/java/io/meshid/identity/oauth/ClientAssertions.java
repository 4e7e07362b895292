package io.meshid.identity.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.store.SharedStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Checks a {@code private_key_jwt} client assertion (RFC 7523 section 3, RFC 7521 section 4.2),
 * in this order: compact JWS; {@code alg} an asymmetric one (RS256/384/512, PS256/384/512,
 * ES256/384/512; {@code none} and HMAC are refused, so a public key can never serve as an HMAC
 * secret); the key by {@code kid} from the client's registered JWKS, of the algorithm's type; the
 * signature; {@code iss} = {@code sub} = the client id; {@code aud} naming this authorization
 * server (its issuer or token endpoint URL); {@code exp} present, in the future (60 s skew) and at
 * most 5 minutes ahead; {@code nbf}/{@code iat} not in the future; {@code jti} present and never
 * seen before for this client, across replicas ({@link SharedStore#putIfAbsent}, kept until the
 * assertion expires). Thread-safe.
 */
final class ClientAssertions {

    static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
    static final Duration SKEW = Duration.ofSeconds(60);
    static final int MAX_CHARS = 8 * 1024;
    private static final Set<JWSAlgorithm> ALLOWED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private final SharedStore store;
    private final Clock clock;

    ClientAssertions(SharedStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Verifies {@code assertion} for {@code client}; {@code audiences} are the values that name
     * this server.
     *
     * @throws OAuthError {@code invalid_client} with what failed
     */
    void verify(OAuthClient client, String assertion, Set<String> audiences) {
        if (assertion.length() > MAX_CHARS) {
            throw OAuthError.invalidClient("client_assertion: " + assertion.length() + " characters (expected: at most " + MAX_CHARS + ")");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(assertion);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw OAuthError.invalidClient("client_assertion: not a signed JWT (expected: a JWS in compact serialization)");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!ALLOWED.contains(alg)) {
            throw OAuthError.invalidClient("client_assertion: alg " + alg + " (expected: one of RS256, PS256, ES256 and their "
                    + "384/512 variants; none and HMAC are refused)");
        }
        JWK key = key(client, jwt.getHeader().getKeyID(), alg);
        try {
            JWSVerifier verifier = key instanceof ECKey ec ? new ECDSAVerifier(ec.toECPublicKey()) : new RSASSAVerifier(((RSAKey) key).toRSAPublicKey());
            if (!jwt.verify(verifier)) {
                throw OAuthError.invalidClient("client_assertion: the signature does not verify with key " + key.getKeyID());
            }
        } catch (JOSEException e) {
            throw OAuthError.invalidClient("client_assertion: cannot verify with key " + key.getKeyID() + " (" + e.getMessage() + ")");
        }
        String id = client.clientId();
        if (!id.equals(claims.getIssuer()) || !id.equals(claims.getSubject())) {
            throw OAuthError.invalidClient("client_assertion: iss and sub must both be the client id " + id);
        }
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(audiences::contains)) {
            throw OAuthError.invalidClient("client_assertion: aud " + aud + " (expected: one of " + audiences + ")");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw OAuthError.invalidClient("client_assertion: no exp (expected: an expiry at most " + MAX_LIFETIME + " ahead)");
        }
        Instant expiry = exp.toInstant();
        if (!expiry.plus(SKEW).isAfter(now)) {
            throw OAuthError.invalidClient("client_assertion: expired at " + expiry);
        }
        if (expiry.isAfter(now.plus(MAX_LIFETIME).plus(SKEW))) {
            throw OAuthError.invalidClient("client_assertion: exp " + expiry + " is more than " + MAX_LIFETIME + " ahead");
        }
        for (Date d : new Date[] {claims.getNotBeforeTime(), claims.getIssueTime()}) {
            if (d != null && d.toInstant().isAfter(now.plus(SKEW))) {
                throw OAuthError.invalidClient("client_assertion: nbf or iat " + d.toInstant() + " is in the future");
            }
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > 256) {
            throw OAuthError.invalidClient("client_assertion: no jti (expected: a unique id of 1 to 256 characters)");
        }
        Duration keep = Duration.between(now, expiry.plus(SKEW));
        if (!store.putIfAbsent("replay:client-assertion:" + client.trustDomain().name() + ":" + id + ":" + sha256(jti), "1", keep)) {
            throw OAuthError.invalidClient("client_assertion: jti already used (expected: a new assertion for every request)");
        }
    }

    private static JWK key(OAuthClient client, String kid, JWSAlgorithm alg) {
        JWKSet set;
        try {
            set = JWKSet.parse(client.jwksJson().orElseThrow());
        } catch (ParseException e) {
            throw new IllegalStateException("stored JWKS of " + client.clientId() + " no longer parses", e);
        }
        boolean ec = JWSAlgorithm.Family.EC.contains(alg);
        return set.getKeys().stream()
                .filter(k -> kid == null || kid.equals(k.getKeyID()))
                .filter(k -> ec ? k instanceof ECKey : k instanceof RSAKey)
                .filter(k -> k.getAlgorithm() == null || k.getAlgorithm().equals(alg))
                .findFirst()
                .orElseThrow(() -> OAuthError.invalidClient("client_assertion: no registered key " + (kid == null ? "" : "'" + kid + "' ")
                        + "for " + alg + " (expected: a kid of the client's JWKS)"));
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
