package io.meshid.policy.mapping;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.cedar.ActionGroups;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
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
 * and {@code service_account} for IDs of the shape {@code /ns/<ns>/sa/<sa>}.
 *
 * <p>The hierarchy a SPIFFE ID implies goes with them (docs/policy.md, "Hierarchies"): an ID of
 * the shape {@code /ns/<ns>/sa/<sa>} is in {@code Namespace::"spiffe://<td>/ns/<ns>"}, which is in
 * {@code TrustDomain::"spiffe://<td>"}; any other ID is in its {@code TrustDomain} directly. The
 * action's groups, from the version's schema ({@link ActionGroups}), are added too. Entities are
 * built once per SPIFFE ID (up to {@value #MAX_CACHED}). Thread-safe.
 */
public final class CedarRequests {

    /** The principal's entity type. */
    public static final String WORKLOAD = "Workload";
    /** The resource's entity type. */
    public static final String SERVICE = "Service";
    /** The action's entity type. */
    public static final String ACTION = "Action";
    /** The type of the namespace a {@code /ns/<ns>/sa/<sa>} ID is in. */
    public static final String NAMESPACE = "Namespace";
    /** The type of the trust domain every ID is in. */
    public static final String TRUST_DOMAIN = "TrustDomain";

    private static final int MAX_CACHED = 65_536;
    private static final Map<String, List<EntityData>> WORKLOADS = new ConcurrentHashMap<>();
    private static final Map<String, List<EntityData>> SERVICES = new ConcurrentHashMap<>();

    private CedarRequests() {}

    /** The Cedar request for {@code request} at {@code timeSeconds} (Unix seconds), without action groups. */
    public static DecisionRequest of(MeshRequest request, long timeSeconds) {
        return of(request, timeSeconds, ActionGroups.NONE);
    }

    /** The Cedar request for {@code request} at {@code timeSeconds}, with the action's groups from {@code actions}. */
    public static DecisionRequest of(MeshRequest request, long timeSeconds, ActionGroups actions) {
        List<EntityData> principal = entities(WORKLOADS, WORKLOAD, request.principal());
        List<EntityData> resource = entities(SERVICES, SERVICE, request.resource());
        EntityRef action = new EntityRef(ACTION, request.action());
        List<EntityData> groups = actions.entities(action);
        Map<String, Object> context = new HashMap<>(8);
        context.put("path", request.path());
        context.put("headers", request.headers());
        context.put("source_address", request.sourceAddress());
        context.put("time", timeSeconds);
        context.put("attributes", request.attributes());
        List<EntityData> entities = new ArrayList<>(principal.size() + resource.size() + groups.size());
        entities.addAll(principal);
        for (EntityData entity : resource) {
            if (!holds(entities, entity.uid())) {
                entities.add(entity);
            }
        }
        entities.addAll(groups);
        return new DecisionRequest(principal.get(0).uid(), action, resource.get(0).uid(), context, entities);
    }

    private static boolean holds(List<EntityData> entities, EntityRef uid) {
        for (int i = 0; i < entities.size(); i++) {
            if (entities.get(i).uid().equals(uid)) {
                return true;
            }
        }
        return false;
    }

    /** The ID's entity first, then its namespace (if any) and trust domain. */
    private static List<EntityData> entities(Map<String, List<EntityData>> cache, String type, SpiffeId id) {
        String key = id.toString();
        List<EntityData> known = cache.get(key);
        if (known != null) {
            return known;
        }
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("trust_domain", id.trustDomain().name());
        attributes.put("path", id.path());
        id.namespace().ifPresent(ns -> attributes.put("namespace", ns));
        id.serviceAccount().ifPresent(sa -> attributes.put("service_account", sa));
        EntityRef domain = trustDomain(id);
        EntityData domainEntity = new EntityData(domain, Map.of(), Set.of());
        List<EntityData> chain;
        if (id.namespace().isPresent()) {
            EntityRef namespace = namespace(id);
            chain = List.of(new EntityData(new EntityRef(type, key), attributes, Set.of(namespace)),
                    new EntityData(namespace, Map.of(), Set.of(domain)), domainEntity);
        } else {
            chain = List.of(new EntityData(new EntityRef(type, key), attributes, Set.of(domain)), domainEntity);
        }
        if (cache.size() < MAX_CACHED) {
            cache.putIfAbsent(key, chain);
        }
        return chain;
    }

    /** {@code TrustDomain::"spiffe://<td>"}: the trust domain every ID of it is in. */
    public static EntityRef trustDomain(SpiffeId id) {
        return new EntityRef(TRUST_DOMAIN, id.trustDomain().idString());
    }

    /** {@code Namespace::"spiffe://<td>/ns/<ns>"} for an ID of the shape {@code /ns/<ns>/sa/<sa>}. */
    public static EntityRef namespace(SpiffeId id) {
        return new EntityRef(NAMESPACE, id.trustDomain().idString() + "/ns/" + id.namespace().orElseThrow());
    }
}
