package io.meshid.sidecar.workloadapi;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A JwtAuthority in memory: ES256 JWT-SVIDs for one SPIFFE ID, a JWK Set that {@link #rotate()} changes. */
final class FakeJwtAuthority implements JwtAuthority {

    private final SpiffeId subject;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile ECKey key;
    volatile boolean unavailable;

    FakeJwtAuthority(SpiffeId subject) {
        this.subject = subject;
        this.key = newKey();
    }

    private static ECKey newKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String keyId() {
        return key.getKeyID();
    }

    void rotate() {
        key = newKey();
        listeners.forEach(Runnable::run);
    }

    @Override
    public JwtSvid mint(List<String> audiences) {
        if (unavailable) {
            throw io.grpc.Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        }
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                    new JWTClaimsSet.Builder().subject(subject.toString()).audience(audiences).issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(300))).build());
            jwt.sign(new ECDSASigner(key));
            return new JwtSvid(subject, jwt.serialize());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Map<String, byte[]> bundles() {
        return Map.of(subject.trustDomain().idString(), new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void addListener(Runnable onChange) {
        listeners.add(onChange);
    }

    @Override
    public Validated validate(String token, String audience) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.verify(new ECDSAVerifier(key.toECPublicKey()))) {
                throw new InvalidTokenException("bad signature");
            }
            if (!jwt.getJWTClaimsSet().getAudience().contains(audience)) {
                throw new InvalidTokenException("audience mismatch");
            }
            return new Validated(SpiffeId.parse(jwt.getJWTClaimsSet().getSubject()), Struct.newBuilder()
                    .putFields("sub", Value.newBuilder().setStringValue(jwt.getJWTClaimsSet().getSubject()).build()).build());
        } catch (ParseException | JOSEException e) {
            throw new InvalidTokenException("malformed: " + e.getMessage());
        }
    }
}
