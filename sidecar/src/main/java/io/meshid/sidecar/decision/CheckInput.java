package io.meshid.sidecar.decision;

import io.meshid.common.spiffe.SpiffeId;
import java.util.Map;
import java.util.Objects;

/**
 * One request to decide: who (the verified peer), what (HTTP method or gRPC full method), on what
 * (this workload's SPIFFE ID), the path, the configured context headers and the source address.
 * Equal inputs may share a cached decision. Immutable and thread-safe.
 */
public record CheckInput(SpiffeId principal, String action, SpiffeId resource, String path,
        Map<String, String> headers, String sourceAddress) {

    public CheckInput {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(sourceAddress, "sourceAddress");
    }
}
