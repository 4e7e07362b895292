package io.meshid.policy.mapping;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parses the SPIFFE IDs of requests, remembering up to {@value #MAX_CACHED} valid ones: a mesh
 * asks about the same few thousand workloads over and over. Invalid IDs are never remembered.
 * Thread-safe.
 */
final class SpiffeIds {

    private static final int MAX_CACHED = 65_536;
    private static final Map<String, SpiffeId> PARSED = new ConcurrentHashMap<>();

    private SpiffeIds() {}

    /** The SPIFFE ID in {@code value}; {@code field} names it in the error. */
    static SpiffeId parse(String field, String value, String expected) {
        if (value == null || value.isEmpty()) {
            throw new MeshidException.InvalidArgument(field + ": empty (expected: " + expected + ")");
        }
        SpiffeId known = PARSED.get(value);
        if (known != null) {
            return known;
        }
        SpiffeId parsed;
        try {
            parsed = SpiffeId.parse(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument(field + ": " + e.getMessage());
        }
        if (PARSED.size() < MAX_CACHED) {
            PARSED.putIfAbsent(value, parsed);
        }
        return parsed;
    }
}
