package io.meshid.policy.cedar;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.AuthorizationRequest;
import com.cedarpolicy.model.AuthorizationResponse;
import com.cedarpolicy.model.AuthorizationSuccessResponse;
import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.value.CedarList;
import com.cedarpolicy.value.CedarMap;
import com.cedarpolicy.value.EntityTypeName;
import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.value.PrimBool;
import com.cedarpolicy.value.PrimLong;
import com.cedarpolicy.value.PrimString;
import com.cedarpolicy.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a {@link DecisionRequest} into one cedar-java call on a given policy set and its answer
 * into a {@link Decision}: the short way ({@link JniCalls}) for a natively cached set, else (and
 * whenever that way declines) {@code isAuthorized} with cedar-java's value objects. UIDs are
 * built with constructors; only entity type names are parsed (a native call), once per distinct
 * name. Thread-safe.
 */
final class CedarCalls {

    private static final int MAX_CACHED_TYPES = 4096;
    private static final BasicAuthorizationEngine ENGINE = new BasicAuthorizationEngine();
    private static final Map<String, EntityTypeName> TYPES = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> CANONICAL = new ConcurrentHashMap<>();

    private CedarCalls() {}

    static Decision decide(DecisionRequest request, PolicySet policies) {
        AuthorizationResponse quick = JniCalls.authorize(request, policies);
        if (quick != null) {
            return decision(quick);
        }
        try {
            EntityUID principal = uid(request.principal());
            EntityUID action = uid(request.action());
            EntityUID resource = uid(request.resource());
            Set<Entity> entities = new HashSet<>();
            for (EntityData data : request.entities()) {
                Set<EntityUID> parents = new HashSet<>();
                for (EntityRef parent : data.parents()) {
                    parents.add(uid(parent));
                }
                entities.add(new Entity(uid(data.uid()), record(data.attributes()), parents));
            }
            AuthorizationRequest call = new AuthorizationRequest(principal, action, resource, record(request.context()));
            return decision(ENGINE.isAuthorized(call, policies, entities));
        } catch (InvalidType e) {
            return Decision.denyWithError(e.getMessage());
        } catch (AuthException | RuntimeException e) {
            return Decision.denyWithError("cedar: " + e);
        }
    }

    private static Decision decision(AuthorizationResponse response) {
        if (response.type != AuthorizationResponse.SuccessOrFailure.Success || response.success.isEmpty()) {
            List<String> errors = new ArrayList<>();
            response.errors.ifPresent(list -> list.forEach(e -> errors.add(e.message)));
            if (errors.isEmpty()) {
                errors.add("cedar: authorization failed without a message");
            }
            return new Decision(false, List.of(), errors);
        }
        AuthorizationSuccessResponse success = response.success.get();
        List<String> errors = new ArrayList<>();
        for (AuthorizationSuccessResponse.AuthorizationError error : success.getErrors()) {
            DetailedError detail = error.getError();
            errors.add(error.getPolicyId() + ": " + (detail == null ? "evaluation error" : detail.message));
        }
        if (success.isAllowed() && !errors.isEmpty()) {
            // Cedar would allow, but a policy failed: deny, and no forbid determined that.
            return new Decision(false, List.of(), errors);
        }
        return new Decision(success.isAllowed(), List.copyOf(success.getReason()), errors);
    }

    static EntityUID uid(EntityRef ref) {
        return new EntityUID(typeName(ref.type()), ref.id());
    }

    /**
     * The type name as Cedar prints it (so that {@code a :: B} and {@code a::B} index alike), or
     * {@code type} itself when it is not a valid name (such a request denies anyway).
     */
    static String canonicalType(String type) {
        try {
            return typeName(type).toString();
        } catch (InvalidType e) {
            return type;
        }
    }

    /** True when {@code type} is a valid entity type name written exactly as Cedar prints it. */
    static boolean isCanonicalType(String type) {
        Boolean known = CANONICAL.get(type);
        if (known != null) {
            return known;
        }
        boolean canonical;
        try {
            canonical = typeName(type).toString().equals(type);
        } catch (InvalidType e) {
            canonical = false;
        }
        if (CANONICAL.size() < MAX_CACHED_TYPES) {
            CANONICAL.putIfAbsent(type, canonical);
        }
        return canonical;
    }

    static EntityTypeName typeName(String type) {
        EntityTypeName cached = TYPES.get(type);
        if (cached != null) {
            return cached;
        }
        EntityTypeName parsed = EntityTypeName.parse(type)
                .orElseThrow(() -> new InvalidType("entity type: \"" + type
                        + "\" (expected: a Cedar entity type name such as Workload or meshid::Namespace)"));
        if (TYPES.size() < MAX_CACHED_TYPES) {
            TYPES.putIfAbsent(type, parsed);
        }
        return parsed;
    }

    private static Map<String, Value> record(Map<String, Object> values) {
        Map<String, Value> result = new HashMap<>();
        values.forEach((key, value) -> result.put(key, value(value)));
        return result;
    }

    private static Value value(Object value) {
        return switch (value) {
            case String s -> new PrimString(s);
            case Boolean b -> new PrimBool(b);
            case Long l -> new PrimLong(l);
            case EntityRef e -> uid(e);
            case List<?> list -> {
                List<Value> values = new ArrayList<>(list.size());
                list.forEach(v -> values.add(value(v)));
                yield new CedarList(values);
            }
            case Map<?, ?> map -> {
                Map<String, Value> values = new HashMap<>();
                map.forEach((k, v) -> values.put((String) k, value(v)));
                yield new CedarMap(values);
            }
            default -> throw new IllegalStateException("unchecked value type " + value.getClass().getName());
        };
    }

    private static final class InvalidType extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidType(String message) {
            super(message, null, false, false);
        }
    }
}
