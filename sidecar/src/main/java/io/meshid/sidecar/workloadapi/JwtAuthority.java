package io.meshid.sidecar.workloadapi;

import com.google.protobuf.Struct;
import io.meshid.common.spiffe.SpiffeId;
import java.util.List;
import java.util.Map;

/**
 * The JWT side of the Workload API: minting JWT-SVIDs for the workload's SPIFFE ID, the JWT
 * bundles (JWK Sets) of trust domains, and validation of JWT-SVIDs. Implementations are
 * thread-safe.
 */
public interface JwtAuthority {

    /** A minted JWT-SVID: its subject and its compact serialization (a bearer secret). */
    record JwtSvid(SpiffeId spiffeId, String token) {
        @Override
        public String toString() {
            return "JwtSvid[" + spiffeId + ", token=****]";
        }
    }

    /** A validated JWT-SVID's subject and claims. */
    record Validated(SpiffeId spiffeId, Struct claims) {
    }

    /** Thrown when a token is not a valid JWT-SVID for the audience; the message says why (never the token). */
    final class InvalidTokenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidTokenException(String message) {
            super(message);
        }
    }

    /**
     * Mints a JWT-SVID for the workload's SPIFFE ID with {@code audiences} (1 to 16).
     *
     * @throws io.grpc.StatusRuntimeException when the issuer refuses or cannot be reached
     */
    JwtSvid mint(List<String> audiences);

    /** The JWT bundles known now, by trust domain ID ({@code spiffe://td}), each a JWK Set as UTF-8 JSON; empty until fetched. */
    Map<String, byte[]> bundles();

    /** Calls {@code onChange} after every later change of {@link #bundles()}. */
    void addListener(Runnable onChange);

    /**
     * Validates {@code token} as a JWT-SVID whose {@code aud} holds {@code audience}.
     *
     * @throws InvalidTokenException when it is not valid
     * @throws io.grpc.StatusRuntimeException when the validator cannot be reached
     */
    Validated validate(String token, String audience);
}
