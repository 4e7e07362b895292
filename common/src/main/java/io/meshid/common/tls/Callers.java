package io.meshid.common.tls;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.spiffe.SpiffeId;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Small authorization checks for gRPC adapters, on the caller that {@link CallerIdentity} reports.
 * Failures are {@link StatusRuntimeException}s whose descriptions name the caller and what was
 * expected; they are safe to return. Thread-safe.
 */
public final class Callers {

    private Callers() {
    }

    /**
     * The verified caller.
     *
     * @throws StatusRuntimeException {@code UNAUTHENTICATED} when the call has no caller identity
     */
    public static SpiffeId require() {
        return CallerIdentity.current().orElseThrow(() -> Status.UNAUTHENTICATED
                .withDescription("no caller identity (expected: a client X.509-SVID over mutual TLS)")
                .asRuntimeException());
    }

    /**
     * The verified caller when it is one of {@code allowed}. {@code what} completes the sentence
     * "caller … may not …", such as {@code "sign X.509-SVIDs"}.
     *
     * @throws StatusRuntimeException {@code UNAUTHENTICATED} without a caller identity,
     *     {@code PERMISSION_DENIED} for a caller not in {@code allowed}
     */
    public static SpiffeId requireOneOf(Set<SpiffeId> allowed, String what) {
        SpiffeId caller = require();
        if (!allowed.contains(caller)) {
            String expected = allowed.isEmpty() ? "no caller is allowed"
                    : "one of " + allowed.stream().sorted().map(SpiffeId::toString).collect(Collectors.joining(", "));
            throw Status.PERMISSION_DENIED
                    .withDescription("caller " + caller + " may not " + what + " (expected: " + expected + ")")
                    .asRuntimeException();
        }
        return caller;
    }
}
