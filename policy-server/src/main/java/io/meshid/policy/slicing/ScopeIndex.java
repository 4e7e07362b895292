package io.meshid.policy.slicing;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Indexes static policies by their principal and resource constraints, so that a request is
 * evaluated only against the policies whose scope can match it.
 *
 * <p>A policy is a candidate for a request when its principal constraint can match (none, {@code
 * ==} the principal, or {@code in} the principal or one of its ancestors) and its resource
 * constraint can match in the same way. The index only ever over-approximates: it never drops a
 * policy whose scope could match, so Cedar's answer on the candidates equals its answer on all
 * policies. Policies are numbered by their position in the list given to {@link #of}.
 *
 * <p>Immutable after construction and thread-safe.
 */
public final class ScopeIndex {

    private final List<String> ids;
    private final Side principal;
    private final Side resource;

    private ScopeIndex(List<String> ids, Side principal, Side resource) {
        this.ids = ids;
        this.principal = principal;
        this.resource = resource;
    }

    /** Builds the index of {@code scopes}; policy {@code i} is {@code scopes.get(i)}. */
    public static ScopeIndex of(List<PolicyScope> scopes) {
        List<String> ids = new ArrayList<>(scopes.size());
        Side principal = new Side();
        Side resource = new Side();
        for (int i = 0; i < scopes.size(); i++) {
            PolicyScope scope = scopes.get(i);
            ids.add(scope.policyId());
            principal.add(i, scope.principal());
            resource.add(i, scope.resource());
        }
        return new ScopeIndex(List.copyOf(ids), principal, resource);
    }

    /** How many policies the index holds. */
    public int size() {
        return ids.size();
    }

    /** The id of policy number {@code index}. */
    public String id(int index) {
        return ids.get(index);
    }

    /**
     * The policies whose scope can match a request on {@code principalEntity} and {@code
     * resourceEntity}; each {@code ...Ancestors} set holds every transitive parent (with or
     * without the entity itself). The result is a fresh set the caller owns.
     */
    public BitSet candidates(
            EntityKey principalEntity,
            Set<EntityKey> principalAncestors,
            EntityKey resourceEntity,
            Set<EntityKey> resourceAncestors) {
        BitSet result = principal.matching(principalEntity, principalAncestors);
        result.and(resource.matching(resourceEntity, resourceAncestors));
        return result;
    }

    /**
     * The policies whose resource scope can match {@code resourceEntity} (with {@code
     * resourceAncestors} as in {@link #candidates}), whatever their principal scope: a superset of
     * {@link #candidates} for any principal, and the same set for every caller of one resource, so
     * that there are as many distinct slices as resources, not as caller and resource pairs.
     */
    public BitSet resourceCandidates(EntityKey resourceEntity, Set<EntityKey> resourceAncestors) {
        return resource.matching(resourceEntity, resourceAncestors);
    }

    private static final class Side {
        private final BitSet any = new BitSet();
        private final Map<EntityKey, BitSet> eq = new HashMap<>();
        private final Map<EntityKey, BitSet> in = new HashMap<>();

        void add(int index, ScopeConstraint constraint) {
            switch (constraint) {
                case ScopeConstraint.Any a -> any.set(index);
                case ScopeConstraint.Eq e -> eq.computeIfAbsent(e.entity(), k -> new BitSet()).set(index);
                case ScopeConstraint.In n -> in.computeIfAbsent(n.entity(), k -> new BitSet()).set(index);
            }
        }

        BitSet matching(EntityKey entity, Set<EntityKey> ancestors) {
            BitSet result = (BitSet) any.clone();
            orInto(result, eq.get(entity));
            orInto(result, in.get(entity));
            for (EntityKey ancestor : ancestors) {
                orInto(result, in.get(ancestor));
            }
            return result;
        }

        private static void orInto(BitSet target, BitSet source) {
            if (source != null) {
                target.or(source);
            }
        }
    }
}
