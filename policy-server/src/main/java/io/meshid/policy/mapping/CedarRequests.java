package io.meshid.policy.mapping;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link MeshRequest} as the Cedar request policy.proto describes: principal
 * {@code Workload::"<spiffe id>"}, action {@code Action::"<method>"}, resource
 * {@code Service::"<spiffe id>"}, context {@code {path, headers, source_address, time, attributes}}.
 * Workload and Service entities carry {@code trust_domain} and {@code path}, plus {@code namespace}
 * and {@code service_account} for IDs of the shape {@code /ns/<ns>/sa/<sa>}; they have no parents.
 * Entities are built once per SPIFFE ID (up to {@value #MAX_CACHED}). Thread-safe.
 */
public final class CedarRequests {

    /** The principal's entity type. */
    public static final String WORKLOAD = "Workload";
    /** The resource's entity type. */
    public static final String SERVICE = "Service";
    /** The action's entity type. */
    public static final String ACTION = "Action";

    private static final int MAX_CACHED = 65_536;
    private static final Map<String, EntityData> WORKLOADS = new ConcurrentHashMap<>();
    private static final Map<String, EntityData> SERVICES = new ConcurrentHashMap<>();

    private CedarRequests() {}

    /** The Cedar request for {@code request} at {@code timeSeconds} (Unix seconds). */
    public static DecisionRequest of(MeshRequest request, long timeSeconds) {
        EntityData principal = entity(WORKLOADS, WORKLOAD, request.principal());
        EntityData resource = entity(SERVICES, SERVICE, request.resource());
        Map<String, Object> context = new HashMap<>(8);
        context.put("path", request.path());
        context.put("headers", request.headers());
        context.put("source_address", request.sourceAddress());
        context.put("time", timeSeconds);
        context.put("attributes", request.attributes());
        return new DecisionRequest(principal.uid(), new EntityRef(ACTION, request.action()), resource.uid(), context,
                List.of(principal, resource));
    }

    private static EntityData entity(Map<String, EntityData> cache, String type, SpiffeId id) {
        String key = id.toString();
        EntityData known = cache.get(key);
        if (known != null) {
            return known;
        }
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("trust_domain", id.trustDomain().name());
        attributes.put("path", id.path());
        id.namespace().ifPresent(ns -> attributes.put("namespace", ns));
        id.serviceAccount().ifPresent(sa -> attributes.put("service_account", sa));
        EntityData entity = new EntityData(new EntityRef(type, key), attributes, Set.of());
        if (cache.size() < MAX_CACHED) {
            cache.putIfAbsent(key, entity);
        }
        return entity;
    }
}
