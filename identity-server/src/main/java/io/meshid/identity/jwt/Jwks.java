package io.meshid.identity.jwt;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Duration;
import java.util.List;

/**
 * A trust domain's published JWT keys as a JWK Set: public keys only, each with {@code kid},
 * {@code kty}, {@code alg} = ES256 and {@code use} = sig; the next, current and previous keys
 * during a rotation. Immutable.
 *
 * @param json the JWK Set (RFC 7517) as JSON
 * @param keyIds the {@code kid} of every key, in the set's order
 * @param activeKeyId the {@code kid} that signs new tokens now
 * @param refreshHint how long a verifier may cache the set
 */
public record Jwks(TrustDomain trustDomain, String json, List<String> keyIds, String activeKeyId, Duration refreshHint) {

    /** Copies the list. */
    public Jwks {
        keyIds = List.copyOf(keyIds);
    }
}
