package io.meshid.policy.cedar;

import io.meshid.policy.slicing.EntityKey;
import io.meshid.policy.slicing.ScopeIndex;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a request against the policies and template links whose resource scope can match it:
 * the resource with all its ancestors (transitively, through the request's entities) goes through
 * the scope index. Cedar never lets a policy whose scope does not match decide or fail, so this
 * equals evaluation against all policies.
 */
final class SlicedEvaluator implements PolicyEngine {

    private final ScopeIndex index;
    private final PooledSlices slices;

    SlicedEvaluator(CompiledPolicySet policies, int maxSlicesPerThread) {
        this.index = policies.index();
        this.slices = new PooledSlices(maxSlicesPerThread, policies::policySet);
    }

    @Override
    public Decision decide(DecisionRequest request) {
        return slices.apply(slice(index, request), set -> CedarCalls.decide(request, set));
    }

    /** Frees the native cache of the sets idle in this engine's pool ({@link PooledSlices#release}). */
    void releaseCachedSets() {
        slices.release();
    }

    /**
     * The index numbers of the policies and links whose resource scope can match {@code request}'s
     * resource (through its ancestors among the request's entities). Slicing on the resource alone
     * keeps one slice per resource, shared by all its callers, so that the pooled caches of slices
     * hit in a mesh with many caller and service pairs; the principal scope of the few policies
     * that remain is Cedar's to check.
     */
    static BitSet slice(ScopeIndex index, DecisionRequest request) {
        Map<EntityRef, Set<EntityRef>> parents = Map.of();
        for (EntityData entity : request.entities()) {
            if (entity.parents().isEmpty()) {
                continue;
            }
            if (parents.isEmpty()) {
                parents = new HashMap<>();
            }
            parents.merge(entity.uid(), entity.parents(), (a, b) -> {
                Set<EntityRef> both = new HashSet<>(a);
                both.addAll(b);
                return both;
            });
        }
        return index.resourceCandidates(key(request.resource()), ancestors(request.resource(), parents));
    }

    private static Set<EntityKey> ancestors(EntityRef start, Map<EntityRef, Set<EntityRef>> parents) {
        Set<EntityRef> seen = new HashSet<>();
        Deque<EntityRef> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            for (EntityRef parent : parents.getOrDefault(todo.pop(), Set.of())) {
                if (seen.add(parent)) {
                    todo.push(parent);
                }
            }
        }
        Set<EntityKey> keys = new HashSet<>(seen.size());
        seen.forEach(ref -> keys.add(key(ref)));
        return keys;
    }

    private static EntityKey key(EntityRef ref) {
        return new EntityKey(CedarCalls.canonicalType(ref.type()), ref.id());
    }
}
