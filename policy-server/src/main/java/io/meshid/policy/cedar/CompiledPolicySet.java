package io.meshid.policy.cedar;

import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.LinkValue;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.policy.TemplateLink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.errors.MeshidException;
import io.meshid.policy.cedar.eval.JavaPolicySet;
import io.meshid.policy.cedar.eval.PolicySource;
import io.meshid.policy.slicing.EntityKey;
import io.meshid.policy.slicing.PolicyScope;
import io.meshid.policy.slicing.ScopeIndex;
import io.meshid.policy.slicing.ScopeReader;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One version of a policy set, checked and compiled: static policies, templates and template
 * links, each with its id, plus the scope index of the static policies and the links (a link's
 * scope is its template's with the slots filled).
 *
 * <p>{@link #compile} rejects text that does not parse, duplicate ids and links to missing
 * templates with {@link MeshidException.InvalidArgument} naming the policy. It also compiles
 * every static policy and link for meshid's Java evaluator (those outside its subset are marked
 * native-only). The evaluators it hands out give the same decision and determining policies;
 * {@link #slicedEvaluator} only looks at fewer policies, {@link #engine} with {@link
 * EngineKind#JAVA} evaluates in Java where it can. Immutable and thread-safe.
 */
public final class CompiledPolicySet {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CACHED_SLICE_READS = 4096;

    private final List<Policy> statics;
    private final Set<Policy> templates;
    private final List<TemplateLink> links;
    private final ScopeIndex index;
    private final List<ContextReads> reads;
    private final Set<String> ids;
    private final JavaPolicySet java;
    private final Map<BitSet, ContextReads> sliceReads = new ConcurrentHashMap<>();
    private final ActionGroups actionGroups;

    private CompiledPolicySet(List<Policy> statics, Set<Policy> templates, List<TemplateLink> links, ScopeIndex index,
            List<ContextReads> reads, Set<String> ids, JavaPolicySet java, ActionGroups actionGroups) {
        this.actionGroups = actionGroups;
        this.statics = statics;
        this.templates = templates;
        this.links = links;
        this.index = index;
        this.reads = reads;
        this.ids = ids;
        this.java = java;
    }

    /**
     * Compiles policies given as id to Cedar text (one policy per entry), templates likewise, and
     * links of those templates.
     */
    public static CompiledPolicySet compile(
            Map<String, String> policies, Map<String, String> templates, List<TemplateLinkSource> links) {
        return compile(policies, templates, links, ActionGroups.NONE);
    }

    /**
     * As {@link #compile(Map, Map, List)}, with the action hierarchy of the version's schema, which
     * requests decided against this set carry ({@link #actionGroups}).
     */
    public static CompiledPolicySet compile(Map<String, String> policies, Map<String, String> templates,
            List<TemplateLinkSource> links, ActionGroups actionGroups) {
        return CedarStack.call(() -> compileHere(policies, templates, links, actionGroups));
    }

    private static CompiledPolicySet compileHere(Map<String, String> policies, Map<String, String> templates,
            List<TemplateLinkSource> links, ActionGroups actionGroups) {
        Set<String> ids = new HashSet<>();
        List<Policy> statics = new ArrayList<>();
        List<PolicyScope> scopes = new ArrayList<>();
        List<ContextReads> reads = new ArrayList<>();
        List<PolicySource> sources = new ArrayList<>();
        for (Map.Entry<String, String> entry : policies.entrySet()) {
            String id = unique(ids, entry.getKey());
            Policy parsed = parse(id, entry.getValue(), false);
            statics.add(new Policy(entry.getValue(), id));
            String json = json(parsed);
            scopes.add(json == null ? PolicyScope.unconstrained(id) : ScopeReader.read(id, json));
            reads.add(json == null ? ContextReads.WHOLE : ContextReads.ofPolicyJson(json));
            sources.add(new PolicySource(id, tree(json), Map.of()));
        }
        Set<Policy> templateSet = new LinkedHashSet<>();
        Map<String, ContextReads> templateReads = new HashMap<>();
        for (Map.Entry<String, String> entry : templates.entrySet()) {
            String id = unique(ids, entry.getKey());
            Policy parsed = parse(id, entry.getValue(), true);
            templateSet.add(new Policy(entry.getValue(), id));
            String json = json(parsed);
            templateReads.put(id, json == null ? ContextReads.WHOLE : ContextReads.ofPolicyJson(json));
        }
        List<TemplateLink> linkList = new ArrayList<>();
        for (TemplateLinkSource link : links) {
            unique(ids, link.linkId());
            if (!templates.containsKey(link.templateId())) {
                throw new MeshidException.InvalidArgument("template link " + link.linkId() + ": template "
                        + link.templateId() + " (expected: one of the templates " + templates.keySet() + ")");
            }
            List<LinkValue> values = new ArrayList<>();
            if (link.principal() != null) {
                values.add(new LinkValue("?principal", CedarCalls.uid(link.principal())));
            }
            if (link.resource() != null) {
                values.add(new LinkValue("?resource", CedarCalls.uid(link.resource())));
            }
            linkList.add(new TemplateLink(link.templateId(), link.linkId(), values));
            reads.add(templateReads.getOrDefault(link.templateId(), ContextReads.WHOLE));
        }
        JsonNode templatesJson = templatesJson(templateSet, linkList);
        scopes.addAll(linkScopes(templatesJson, links));
        sources.addAll(linkSources(templatesJson, links));
        JavaPolicySet java = JavaPolicySet.compile(scopes, sources, CedarCalls::isCanonicalType);
        return new CompiledPolicySet(List.copyOf(statics), Set.copyOf(templateSet), List.copyOf(linkList),
                ScopeIndex.of(scopes), List.copyOf(reads), Set.copyOf(ids), java, actionGroups);
    }

    /** The action groups of this version's schema: the action entities a request must carry. */
    public ActionGroups actionGroups() {
        return actionGroups;
    }

    /** True when {@code id} names a static policy, a template or a template link of this set. */
    public boolean hasPolicy(String id) {
        return ids.contains(id);
    }

    /**
     * The context fields that the policies able to decide {@code request} (those in its slice) can
     * read: a decision on {@code request} depends on no other field of its context.
     */
    public ContextReads contextReads(DecisionRequest request) {
        BitSet slice = SlicedEvaluator.slice(index, request);
        ContextReads known = sliceReads.get(slice);
        if (known != null) {
            return known;
        }
        ContextReads union = ContextReads.NONE;
        for (int i = slice.nextSetBit(0); i >= 0; i = slice.nextSetBit(i + 1)) {
            union = union.and(reads.get(i));
        }
        if (sliceReads.size() < MAX_CACHED_SLICE_READS) {
            sliceReads.putIfAbsent(slice, union);
        }
        return union;
    }

    /** How many static policies, templates and links it holds. */
    public int size() {
        return statics.size() + templates.size() + links.size();
    }

    /** An engine that evaluates every request against all policies, its natively cached set pooled ({@link PooledSlices}). */
    public PolicyEngine fullEvaluator() {
        return new FullEvaluator(this);
    }

    /**
     * An engine that evaluates each request against only the policies and links whose scope can
     * match it, keeping up to {@code maxSlicesPerThread} cached slices per pooled cache ({@link PooledSlices}).
     */
    public PolicyEngine slicedEvaluator(int maxSlicesPerThread) {
        if (maxSlicesPerThread < 1) {
            throw new MeshidException.InvalidArgument("maxSlicesPerThread: " + maxSlicesPerThread + " (expected: at least 1)");
        }
        return new SlicedEvaluator(this, maxSlicesPerThread);
    }

    /**
     * The engine of the kind asked for: {@link EngineKind#NATIVE} is {@link #slicedEvaluator};
     * {@link EngineKind#JAVA} decides with the Java evaluator and leaves the slices that hold a
     * policy outside its subset (and requests only Cedar can judge) to that sliced evaluator.
     */
    public PolicyEngine engine(EngineKind kind, int maxSlicesPerThread) {
        PolicyEngine sliced = slicedEvaluator(maxSlicesPerThread);
        return kind == EngineKind.NATIVE ? sliced : new JavaSlicedEvaluator(java, sliced);
    }

    /** How many static policies and links the Java evaluator leaves to the native engine. */
    public int nativeOnlyPolicies() {
        return java.unsupported();
    }

    JavaPolicySet javaPolicies() {
        return java;
    }

    ScopeIndex index() {
        return index;
    }

    /**
     * A new (uncached) Cedar policy set of the policies in {@code slice}: index numbers below the
     * count of static policies are static policies, the rest template links. Holds all templates.
     */
    PolicySet policySet(BitSet slice) {
        Set<Policy> chosen = new HashSet<>();
        List<TemplateLink> chosenLinks = new ArrayList<>();
        slice.stream().forEach(i -> {
            if (i < statics.size()) {
                chosen.add(statics.get(i));
            } else {
                chosenLinks.add(links.get(i - statics.size()));
            }
        });
        return new PolicySet(chosen, new HashSet<>(templates), chosenLinks);
    }

    BitSet all() {
        BitSet all = new BitSet();
        all.set(0, statics.size() + links.size());
        return all;
    }

    /**
     * The templates' JSON forms by id (empty when there are no links). Asking Cedar for them also
     * checks that every link fills exactly its template's slots.
     */
    private static JsonNode templatesJson(Set<Policy> templates, List<TemplateLink> links) {
        if (links.isEmpty()) {
            return JSON.createObjectNode();
        }
        try {
            PolicySet linked = new PolicySet(new HashSet<>(), new HashSet<>(templates), new ArrayList<>(links));
            return JSON.readTree(linked.toJson()).path("templates");
        } catch (InternalException | com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            throw new MeshidException.InvalidArgument("template links: " + e.getMessage()
                    + " (expected: each link fills exactly the slots of its template)", e);
        }
    }

    /** The scopes of the links, in link order, read from their templates' JSON forms. */
    private static List<PolicyScope> linkScopes(JsonNode templatesJson, List<TemplateLinkSource> sources) {
        List<PolicyScope> scopes = new ArrayList<>(sources.size());
        for (TemplateLinkSource source : sources) {
            Map<String, EntityKey> slots = new HashMap<>();
            slotValues(source).forEach((slot, ref) -> slots.put(slot, key(ref)));
            JsonNode template = templatesJson.get(source.templateId());
            scopes.add(template == null
                    ? PolicyScope.unconstrained(source.linkId())
                    : ScopeReader.read(source.linkId(), template.toString(), slots));
        }
        return scopes;
    }

    /** The links as the Java evaluator compiles them: the template's JSON form and the slot values. */
    private static List<PolicySource> linkSources(JsonNode templatesJson, List<TemplateLinkSource> sources) {
        List<PolicySource> out = new ArrayList<>(sources.size());
        for (TemplateLinkSource source : sources) {
            Map<String, EntityRef> slots = new HashMap<>();
            slotValues(source).forEach((slot, ref) -> slots.put(slot, new EntityRef(CedarCalls.canonicalType(ref.type()), ref.id())));
            out.add(new PolicySource(source.linkId(), templatesJson.get(source.templateId()), slots));
        }
        return out;
    }

    private static Map<String, EntityRef> slotValues(TemplateLinkSource source) {
        Map<String, EntityRef> slots = new HashMap<>();
        if (source.principal() != null) {
            slots.put("?principal", source.principal());
        }
        if (source.resource() != null) {
            slots.put("?resource", source.resource());
        }
        return slots;
    }

    /** The parsed JSON form, or null when there is none or it does not parse. */
    private static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    private static EntityKey key(EntityRef ref) {
        return new EntityKey(CedarCalls.canonicalType(ref.type()), ref.id());
    }

    private static String unique(Set<String> ids, String id) {
        if (id == null || id.isBlank()) {
            throw new MeshidException.InvalidArgument("policy id: " + id + " (expected: a non-empty id)");
        }
        if (!ids.add(id)) {
            throw new MeshidException.InvalidArgument("policy id: " + id + " (expected: unique among policies, templates and links)");
        }
        return id;
    }

    private static Policy parse(String id, String text, boolean template) {
        try {
            return template ? Policy.parsePolicyTemplate(text) : Policy.parseStaticPolicy(text);
        } catch (InternalException | RuntimeException e) {
            throw new MeshidException.InvalidArgument((template ? "template " : "policy ") + id + ": " + e.getMessage()
                    + " (expected: one Cedar " + (template ? "template" : "static policy") + ")", e);
        }
    }

    /** The policy's Cedar JSON form, or null when cedar-java cannot give it. */
    private static String json(Policy parsed) {
        try {
            return parsed.toJson();
        } catch (InternalException | RuntimeException e) {
            return null;
        }
    }
}
