package io.meshid.policy.mapping;

import io.meshid.proto.policy.v1.CheckRequest;
import io.meshid.proto.policy.v1.RequestContext;
import java.time.Instant;
import java.util.Set;

/**
 * meshid's {@code CheckRequest} to a {@link MeshRequest}, with policy.proto's bounds:
 * {@link io.meshid.common.errors.MeshidException.InvalidArgument} names the first field that
 * breaks them. Headers outside {@code meshid.policy.context-headers}, and credential headers
 * always, are dropped. Thread-safe.
 */
public final class ProtoRequests {

    private ProtoRequests() {}

    /** The request {@code check} describes, keeping only the headers in {@code contextHeaders}. */
    public static MeshRequest of(CheckRequest check, Set<String> contextHeaders) {
        var principal = SpiffeIds.parse("principal", check.getPrincipal(), "the caller's SPIFFE ID, spiffe://<trust-domain>/<path>");
        var resource = SpiffeIds.parse("resource", check.getResource(), "the destination's SPIFFE ID, spiffe://<trust-domain>/<path>");
        RequestContext context = check.getContext();
        Instant time = context.hasTime()
                ? Instant.ofEpochSecond(context.getTime().getSeconds(), Math.max(0, context.getTime().getNanos()))
                : null;
        return new MeshRequest(principal, check.getAction(), resource, context.getPath(),
                Headers.checkedAndChosen(context.getHeadersMap(), contextHeaders), context.getSourceAddress(), time,
                Attributes.of(context.getAttributes()), check.getRequestId());
    }
}
