package io.meshid.policy.cedar.eval;

import io.meshid.policy.cedar.Decision;
import io.meshid.policy.cedar.DecisionRequest;
import io.meshid.policy.cedar.EntityData;
import io.meshid.policy.cedar.EntityRef;
import io.meshid.policy.slicing.PolicyScope;
import io.meshid.policy.slicing.ScopeConstraint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One policy set version compiled for the Java evaluator: the static policies and template links
 * (in the numbering of the scope index), indexed by their resource scope as the native sliced
 * engine is, each either compiled or marked unsupported.
 *
 * <p>{@link #decide} evaluates the slice of the request's resource (the policies whose resource
 * scope can match it: unconstrained, {@code ==} the resource, {@code in} the resource or one of
 * its ancestors) with Cedar's rules: a policy applies when its scope matches and its conditions
 * are true; one that fails to evaluate is skipped and reported; any applicable forbid denies,
 * else any applicable permit allows, else deny. It returns {@code null} when the slice holds an
 * unsupported policy or the request is one the native engine must judge ({@link RequestCheck}):
 * the caller then asks the native engine, so the answer is always Cedar's. Immutable and
 * thread-safe; evaluation keeps no state outside the call.
 */
public final class JavaPolicySet {

    private static final Bucket EMPTY = new Bucket(new CompiledPolicy[0], true);

    private final Bucket any;
    private final Map<EntityRef, Bucket> equal;
    private final Map<EntityRef, Bucket> in;
    private final RequestCheck check;
    private final int unsupported;

    private JavaPolicySet(Bucket any, Map<EntityRef, Bucket> equal, Map<EntityRef, Bucket> in, RequestCheck check,
            int unsupported) {
        this.any = any;
        this.equal = equal;
        this.in = in;
        this.check = check;
        this.unsupported = unsupported;
    }

    /**
     * Compiles the policies: {@code scopes.get(i)} is the scope index's reading of policy {@code
     * i}, {@code sources.get(i)} its JSON form with the slot values of a link. {@code
     * canonicalType} tells whether an entity type name is valid and written as Cedar prints it.
     */
    public static JavaPolicySet compile(List<PolicyScope> scopes, List<PolicySource> sources, Predicate<String> canonicalType) {
        if (scopes.size() != sources.size()) {
            throw new IllegalArgumentException("scopes: " + scopes.size() + " (expected: one per source, " + sources.size() + ")");
        }
        List<CompiledPolicy> anyList = new ArrayList<>();
        boolean anySupported = true;
        Map<EntityRef, List<CompiledPolicy>> eqLists = new HashMap<>();
        Map<EntityRef, List<CompiledPolicy>> inLists = new HashMap<>();
        Set<EntityRef> eqUnsupported = new HashSet<>();
        Set<EntityRef> inUnsupported = new HashSet<>();
        int unsupported = 0;
        for (int i = 0; i < scopes.size(); i++) {
            CompiledPolicy policy = sources.get(i).compile();
            unsupported += policy == null ? 1 : 0;
            switch (scopes.get(i).resource()) {
                case ScopeConstraint.Any a -> {
                    anySupported &= add(anyList, policy);
                }
                case ScopeConstraint.Eq e -> {
                    EntityRef key = new EntityRef(e.entity().type(), e.entity().id());
                    if (!add(eqLists.computeIfAbsent(key, k -> new ArrayList<>()), policy)) {
                        eqUnsupported.add(key);
                    }
                }
                case ScopeConstraint.In n -> {
                    EntityRef key = new EntityRef(n.entity().type(), n.entity().id());
                    if (!add(inLists.computeIfAbsent(key, k -> new ArrayList<>()), policy)) {
                        inUnsupported.add(key);
                    }
                }
            }
        }
        return new JavaPolicySet(new Bucket(anyList.toArray(CompiledPolicy[]::new), anySupported),
                buckets(eqLists, eqUnsupported), buckets(inLists, inUnsupported), new RequestCheck(canonicalType), unsupported);
    }

    /** How many policies and links are outside the supported subset (their slices go to the native engine). */
    public int unsupported() {
        return unsupported;
    }

    /** Cedar's decision on {@code request}, or {@code null} when the native engine must decide it (see above). */
    public Decision decide(DecisionRequest request) {
        if (!check.javaCanDecide(request)) {
            return null;
        }
        Env env = new Env(request);
        EntityRef resource = request.resource();
        Bucket eq = equal.getOrDefault(resource, EMPTY);
        Bucket direct = in.getOrDefault(resource, EMPTY);
        List<Bucket> inherited = inherited(env, resource);
        if (!any.supported || !eq.supported || !direct.supported) {
            return null;
        }
        for (int i = 0; i < inherited.size(); i++) {
            if (!inherited.get(i).supported) {
                return null;
            }
        }
        Outcomes outcomes = new Outcomes();
        outcomes.evaluate(any.policies, env);
        outcomes.evaluate(eq.policies, env);
        outcomes.evaluate(direct.policies, env);
        for (int i = 0; i < inherited.size(); i++) {
            outcomes.evaluate(inherited.get(i).policies, env);
        }
        return outcomes.decision();
    }

    /** The buckets of the policies scoped {@code in} an ancestor of the resource (none without parents). */
    private List<Bucket> inherited(Env env, EntityRef resource) {
        EntityData data = env.entity(resource);
        if (data == null || data.parents().isEmpty() || in.isEmpty()) {
            return List.of();
        }
        List<Bucket> found = new ArrayList<>();
        Set<EntityRef> seen = new HashSet<>(data.parents());
        ArrayDeque<EntityRef> todo = new ArrayDeque<>(data.parents());
        while (!todo.isEmpty()) {
            EntityRef ancestor = todo.pop();
            Bucket bucket = in.get(ancestor);
            if (bucket != null) {
                found.add(bucket);
            }
            EntityData next = env.entity(ancestor);
            if (next != null) {
                for (EntityRef parent : next.parents()) {
                    if (seen.add(parent)) {
                        todo.push(parent);
                    }
                }
            }
        }
        return found;
    }

    private static boolean add(List<CompiledPolicy> list, CompiledPolicy policy) {
        if (policy != null) {
            list.add(policy);
        }
        return policy != null;
    }

    private static Map<EntityRef, Bucket> buckets(Map<EntityRef, List<CompiledPolicy>> lists, Set<EntityRef> unsupported) {
        Map<EntityRef, Bucket> out = new HashMap<>();
        lists.forEach((key, list) -> out.put(key, new Bucket(list.toArray(CompiledPolicy[]::new), !unsupported.contains(key))));
        return Map.copyOf(out);
    }

    /** The compiled policies of one index entry, and whether every policy of the entry compiled. */
    private record Bucket(CompiledPolicy[] policies, boolean supported) {}
}
