package io.meshid.policy.cedar;

import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.LinkValue;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.policy.TemplateLink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.errors.MeshidException;
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
 * templates with {@link MeshidException.InvalidArgument} naming the policy. The evaluators it
 * hands out give the same decision and determining policies; {@link #slicedEvaluator} only looks
 * at fewer policies. Immutable and thread-safe.
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
    private final Map<BitSet, ContextReads> sliceReads = new ConcurrentHashMap<>();

    private CompiledPolicySet(List<Policy> statics, Set<Policy> templates, List<TemplateLink> links, ScopeIndex index,
            List<ContextReads> reads, Set<String> ids) {
        this.statics = statics;
        this.templates = templates;
        this.links = links;
        this.index = index;
        this.reads = reads;
        this.ids = ids;
    }

    /**
     * Compiles policies given as id to Cedar text (one policy per entry), templates likewise, and
     * links of those templates.
     */
    public static CompiledPolicySet compile(
            Map<String, String> policies, Map<String, String> templates, List<TemplateLinkSource> links) {
        Set<String> ids = new HashSet<>();
        List<Policy> statics = new ArrayList<>();
        List<PolicyScope> scopes = new ArrayList<>();
        List<ContextReads> reads = new ArrayList<>();
        for (Map.Entry<String, String> entry : policies.entrySet()) {
            String id = unique(ids, entry.getKey());
            Policy parsed = parse(id, entry.getValue(), false);
            statics.add(new Policy(entry.getValue(), id));
            String json = json(parsed);
            scopes.add(json == null ? PolicyScope.unconstrained(id) : ScopeReader.read(id, json));
            reads.add(json == null ? ContextReads.WHOLE : ContextReads.ofPolicyJson(json));
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
        scopes.addAll(linkScopes(templateSet, linkList, links));
        return new CompiledPolicySet(List.copyOf(statics), Set.copyOf(templateSet), List.copyOf(linkList),
                ScopeIndex.of(scopes), List.copyOf(reads), Set.copyOf(ids));
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

    /** An engine that evaluates every request against all policies, one cached set per thread. */
    public PolicyEngine fullEvaluator() {
        return new FullEvaluator(this);
    }

    /**
     * An engine that evaluates each request against only the policies and links whose scope can
     * match it, keeping up to {@code maxSlicesPerThread} cached slices per thread.
     */
    public PolicyEngine slicedEvaluator(int maxSlicesPerThread) {
        if (maxSlicesPerThread < 1) {
            throw new MeshidException.InvalidArgument("maxSlicesPerThread: " + maxSlicesPerThread + " (expected: at least 1)");
        }
        return new SlicedEvaluator(this, maxSlicesPerThread);
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
     * The scopes of the links, in link order, read from the templates' JSON form. Asking Cedar
     * for that form also checks that every link fills exactly its template's slots.
     */
    private static List<PolicyScope> linkScopes(
            Set<Policy> templates, List<TemplateLink> links, List<TemplateLinkSource> sources) {
        if (links.isEmpty()) {
            return List.of();
        }
        JsonNode templatesJson;
        try {
            PolicySet linked = new PolicySet(new HashSet<>(), new HashSet<>(templates), new ArrayList<>(links));
            templatesJson = JSON.readTree(linked.toJson()).path("templates");
        } catch (InternalException | com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            throw new MeshidException.InvalidArgument("template links: " + e.getMessage()
                    + " (expected: each link fills exactly the slots of its template)", e);
        }
        List<PolicyScope> scopes = new ArrayList<>(sources.size());
        for (TemplateLinkSource source : sources) {
            Map<String, EntityKey> slots = new HashMap<>();
            if (source.principal() != null) {
                slots.put("?principal", key(source.principal()));
            }
            if (source.resource() != null) {
                slots.put("?resource", key(source.resource()));
            }
            JsonNode template = templatesJson.get(source.templateId());
            scopes.add(template == null
                    ? PolicyScope.unconstrained(source.linkId())
                    : ScopeReader.read(source.linkId(), template.toString(), slots));
        }
        return scopes;
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
