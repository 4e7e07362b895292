package io.meshid.common.kubernetes;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * A stand-in for a cluster's service account issuer: an ES256 key, its JWKS in a file, and
 * projected service account tokens shaped like the kubelet's (iss, aud, sub
 * {@code system:serviceaccount:<ns>:<sa>}, exp, iat, nbf and the {@code kubernetes.io} claims).
 */
public final class K8sTokens {

    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    public static final String AUDIENCE = "meshid";

    private final ECKey key;
    private final Path jwksFile;
    private final String issuer;

    private K8sTokens(ECKey key, Path jwksFile, String issuer) {
        this.key = key;
        this.jwksFile = jwksFile;
        this.issuer = issuer;
    }

    /** A new issuer of {@link #ISSUER} whose JWKS is written to {@code jwksFile}. */
    public static K8sTokens issuer(Path jwksFile) throws JOSEException, IOException {
        return issuer(jwksFile, ISSUER);
    }

    /** A new issuer of another cluster, {@code iss} = {@code issuer}, whose JWKS is written to {@code jwksFile}. */
    public static K8sTokens issuer(Path jwksFile, String issuer) throws JOSEException, IOException {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("sa-key-1").generate();
        Files.writeString(jwksFile, new JWKSet(key.toPublicJWK()).toString());
        return new K8sTokens(key, jwksFile, issuer);
    }

    /** The {@code iss} of this issuer's tokens. */
    public String issuerUrl() {
        return issuer;
    }

    public Path jwksFile() {
        return jwksFile;
    }

    /** The claims of a valid token for {@code namespace}/{@code serviceAccount}, issued at {@code now}. */
    public static JWTClaimsSet.Builder claims(String namespace, String serviceAccount, Instant now) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(List.of(AUDIENCE))
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("kubernetes.io", Map.of("namespace", namespace,
                        "pod", Map.of("name", serviceAccount + "-7d9f", "uid", UUID.randomUUID().toString()),
                        "serviceaccount", Map.of("name", serviceAccount, "uid", UUID.randomUUID().toString())));
    }

    /** A valid token. */
    public String token(String namespace, String serviceAccount, Instant now) throws JOSEException {
        return sign(claims(namespace, serviceAccount, now).issuer(issuer).build());
    }

    /** A token with changed claims. */
    public String token(String namespace, String serviceAccount, Instant now, UnaryOperator<JWTClaimsSet.Builder> change)
            throws JOSEException {
        return sign(change.apply(claims(namespace, serviceAccount, now).issuer(issuer)).build());
    }

    /** Signed with this issuer's key. */
    public String sign(JWTClaimsSet claims) throws JOSEException {
        return signWith(key, claims);
    }

    /** Signed with another key that claims this issuer's kid. */
    public String forged(String namespace, String serviceAccount, Instant now) throws JOSEException {
        return signWith(new ECKeyGenerator(Curve.P_256).keyID(key.getKeyID()).generate(), claims(namespace, serviceAccount, now).build());
    }

    /** An unsecured token ({@code alg: none}). */
    public static String unsigned(String namespace, String serviceAccount, Instant now) {
        return new PlainJWT(claims(namespace, serviceAccount, now).build()).serialize();
    }

    private static String signWith(ECKey signer, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signer.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(signer));
        return jwt.serialize();
    }
}
