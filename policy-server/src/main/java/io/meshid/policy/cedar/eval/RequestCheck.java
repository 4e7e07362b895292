package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Whether the Java evaluator may take a request, or must leave it to the native engine, whose
 * answer (often a whole-request error) it could not reproduce: an entity type name that is not
 * valid and canonical ({@code a :: B}), a record key Cedar's JSON reserves ({@code __entity},
 * {@code __extn}, {@code __expr}), an unpaired surrogate in a string, the same entity twice, or a cycle among the
 * entities' parents. Allocates nothing on the usual request (no parents, a few entities).
 * Thread-safe.
 */
final class RequestCheck {

    private static final int PAIRWISE_LIMIT = 16;

    private final Predicate<String> canonicalType;

    RequestCheck(Predicate<String> canonicalType) {
        this.canonicalType = canonicalType;
    }

    boolean javaCanDecide(DecisionRequest request) {
        if (!ref(request.principal()) || !ref(request.action()) || !ref(request.resource())
                || !value(request.context())) {
            return false;
        }
        List<EntityData> entities = request.entities();
        boolean parents = false;
        for (EntityData entity : entities) {
            if (!ref(entity.uid()) || !value(entity.attributes())) {
                return false;
            }
            for (EntityRef parent : entity.parents()) {
                if (!ref(parent)) {
                    return false;
                }
                parents = true;
            }
        }
        return distinct(entities) && (!parents || acyclic(request));
    }

    private boolean ref(EntityRef ref) {
        return canonicalType.test(ref.type()) && wellFormed(ref.id());
    }

    private boolean value(Object value) {
        return switch (value) {
            case String s -> wellFormed(s);
            case EntityRef e -> ref(e);
            case List<?> list -> {
                for (Object item : list) {
                    if (!value(item)) {
                        yield false;
                    }
                }
                yield true;
            }
            case Map<?, ?> map -> {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String key = (String) entry.getKey();
                    if (key.equals("__entity") || key.equals("__extn") || key.equals("__expr") || !wellFormed(key) || !value(entry.getValue())) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> true;
        };
    }

    /** No unpaired surrogates (which cannot cross into the native library as they are). */
    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    private static boolean distinct(List<EntityData> entities) {
        int n = entities.size();
        if (n <= PAIRWISE_LIMIT) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (entities.get(i).uid().equals(entities.get(j).uid())) {
                        return false;
                    }
                }
            }
            return true;
        }
        Set<EntityRef> seen = new HashSet<>();
        for (EntityData entity : entities) {
            if (!seen.add(entity.uid())) {
                return false;
            }
        }
        return true;
    }

    /**
     * No entity is its own ancestor (Cedar refuses such a hierarchy). Up to {@value #PAIRWISE_LIMIT}
     * entities (a mesh request carries 5 or 6: the principal's and resource's chains up to their
     * trust domain, and the action's groups), without building a lookup: each entity's parents
     * among the request's entities as a bit mask, then entities whose parents are all gone are
     * removed until none is left (acyclic) or none can be (a cycle). A parent the request does not
     * hold has no parents of its own, so it closes no cycle. Assumes {@link #distinct}.
     */
    static boolean acyclic(DecisionRequest request) {
        List<EntityData> entities = request.entities();
        int n = entities.size();
        if (n <= PAIRWISE_LIMIT) {
            int[] parentsOf = new int[n];
            for (int i = 0; i < n; i++) {
                for (EntityRef parent : entities.get(i).parents()) {
                    for (int j = 0; j < n; j++) {
                        if (entities.get(j).uid().equals(parent)) {
                            parentsOf[i] |= 1 << j;
                            break;
                        }
                    }
                }
            }
            int left = (1 << n) - 1;
            boolean removed = true;
            while (left != 0 && removed) {
                removed = false;
                for (int i = 0; i < n; i++) {
                    if ((left & (1 << i)) != 0 && (parentsOf[i] & left) == 0) {
                        left &= ~(1 << i);
                        removed = true;
                    }
                }
            }
            return left == 0;
        }
        return acyclicByWalk(request);
    }

    /** The same answer by walking each parent's ancestors (any number of entities). */
    static boolean acyclicByWalk(DecisionRequest request) {
        Env lookup = new Env(request);
        for (EntityData entity : request.entities()) {
            for (EntityRef parent : entity.parents()) {
                if (lookup.in(parent, entity.uid())) {
                    return false;
                }
            }
        }
        return true;
    }
}
