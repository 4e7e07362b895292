package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.CedarJson;
import com.cedarpolicy.model.AuthorizationRequest;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.value.CedarList;
import com.cedarpolicy.value.CedarMap;
import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.value.PrimBool;
import com.cedarpolicy.value.PrimLong;
import com.cedarpolicy.value.PrimString;
import com.cedarpolicy.value.Value;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request JSON written by {@link RequestJson} is the document cedar-java's own Jackson
 * serialization writes for the same request (compared as JSON, entity and parent order aside),
 * and the short way ({@link JniCalls}) is taken and answers as {@code isAuthorized} does.
 */
class RequestJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EntityRef ALICE = new EntityRef("Workload", "spiffe://a.test/ns/x/sa/alice");
    private static final EntityRef READ = new EntityRef("Action", "GET");
    private static final EntityRef SVC = new EntityRef("Service", "spiffe://a.test/ns/x/sa/svc");

    static Stream<DecisionRequest> requests() {
        EntityRef ns = new EntityRef("meshid::Namespace", "x");
        Map<String, Object> nested = new HashMap<>();
        nested.put("list", List.of(1L, -2L, Long.MAX_VALUE, "s", true, List.of(), Map.of("k", new EntityRef("Workload", "w"))));
        nested.put("record", Map.of("deep", Map.of("deeper", List.of(Map.of("x", false)))));
        nested.put("escapes", "quote\" backslash\\ newline\n tab\t cr\r bell\u0007 nul\u0000 del\u007f é 日本 😀 \u2028");
        nested.put("", "empty key");
        return Stream.of(
                new DecisionRequest(ALICE, READ, SVC, Map.of(), List.of()),
                new DecisionRequest(ALICE, READ, SVC, Map.of("path", "/r/1", "time", 1_796_000_000L, "headers",
                        Map.of("content-type", "application/json"), "attributes", Map.of()), List.of(
                        new EntityData(ALICE, Map.of("trust_domain", "a.test", "path", "/ns/x/sa/alice"), Set.of()),
                        new EntityData(SVC, Map.of("trust_domain", "a.test", "namespace", "x"), Set.of(ns)))),
                new DecisionRequest(ALICE, READ, SVC, nested, List.of(
                        new EntityData(SVC, nested, Set.of(ns, new EntityRef("Group", "g\"1"))),
                        EntityData.of(ns, new EntityRef("meshid::Cluster", "c")),
                        new EntityData(new EntityRef("Group", "g\"1"), Map.of("owner", ALICE), Set.of()))),
                new DecisionRequest(new EntityRef("A::B", "weird \u0001 id"), new EntityRef("Action", ""),
                        new EntityRef("Service", "\\"), Map.of("who", new EntityRef("A::B", "x")), List.of()));
    }

    @ParameterizedTest
    @MethodSource("requests")
    void stateful_isTheDocumentCedarJavaWrites(DecisionRequest request) throws Exception {
        String ours = RequestJson.stateful(request, "set-\"1\"");

        assertThat(ours).isNotNull();
        assertThat(normalized(JSON.readTree(ours))).isEqualTo(normalized(JSON.readTree(cedarJavas(request, "set-\"1\""))));
    }

    @Test
    void stateful_withReservedKeyInNestedRecord_declines() {
        DecisionRequest context = new DecisionRequest(ALICE, READ, SVC, Map.of("r", Map.of("__entity", "x")), List.of());
        DecisionRequest attrs = new DecisionRequest(ALICE, READ, SVC, Map.of(),
                List.of(new EntityData(SVC, Map.of("r", Map.of("__extn", "x")), Set.of())));

        assertThat(RequestJson.stateful(context, "s")).isNull();
        assertThat(RequestJson.stateful(attrs, "s")).isNull();
    }

    @Test
    void stateful_withInvalidEntityType_declines() {
        DecisionRequest request = new DecisionRequest(new EntityRef("meshid :: Namespace", "a"), READ, SVC, Map.of(), List.of());

        assertThat(RequestJson.stateful(request, "s")).isNull();
    }

    @Test
    void jniEntryPoint_isFound() {
        assertThat(JniCalls.available()).isTrue();
    }

    @Test
    void authorize_answersAsIsAuthorizedDoes() throws Exception {
        CompiledPolicySet policies = CompiledPolicySet.compile(Map.of(
                "grant", "permit (principal == Workload::\"spiffe://a.test/ns/x/sa/alice\", action, resource) when { context.path like \"/r/*\" };",
                "forbid-admin", "forbid (principal, action, resource) when { context has admin && context.admin };",
                "error", "permit (principal, action, resource) when { context.path like \"/err/*\" && context.missing };"),
                Map.of(), List.of());
        BitSet all = policies.all();
        PolicySet set = policies.policySet(all);
        set.cache();
        BasicAuthorizationEngine engine = new BasicAuthorizationEngine();
        List<Map<String, Object>> contexts = List.of(Map.of("path", "/r/1"), Map.of("path", "/x"),
                Map.of("path", "/r/1", "admin", true), Map.of("path", "/err/1"));
        for (Map<String, Object> context : contexts) {
            DecisionRequest request = new DecisionRequest(ALICE, READ, SVC, context, List.of());
            var quick = JniCalls.authorize(request, set);
            var slow = engine.isAuthorized(new AuthorizationRequest(CedarCalls.uid(ALICE), CedarCalls.uid(READ),
                    CedarCalls.uid(SVC), values(context)), set, Set.of());

            assertThat(quick).as("context %s", context).isNotNull();
            assertThat(quick.success.orElseThrow().isAllowed()).isEqualTo(slow.success.orElseThrow().isAllowed());
            assertThat(quick.success.orElseThrow().getReason()).isEqualTo(slow.success.orElseThrow().getReason());
            assertThat(quick.success.orElseThrow().getErrors().toString()).isEqualTo(slow.success.orElseThrow().getErrors().toString());
        }
    }

    @Test
    void authorize_withUncachedSet_declines() {
        CompiledPolicySet policies = CompiledPolicySet.compile(Map.of("p", "permit (principal, action, resource);"), Map.of(), List.of());

        assertThat(JniCalls.authorize(new DecisionRequest(ALICE, READ, SVC, Map.of(), List.of()), policies.policySet(policies.all())))
                .isNull();
    }

    @Test
    void uncache_freesTheSetInCedar_andReleaseLeavesTheEngineUsable() throws Exception {
        assertThat(JniCalls.canUncache()).isTrue();
        CompiledPolicySet policies = CompiledPolicySet.compile(Map.of("p", "permit (principal, action, resource);"), Map.of(), List.of());
        DecisionRequest request = new DecisionRequest(ALICE, READ, SVC, Map.of(), List.of());
        PolicySet set = policies.policySet(policies.all());
        set.cache();
        assertThat(JniCalls.authorize(request, set)).isNotNull();

        assertThat(JniCalls.uncache(set)).isTrue();

        // Cedar no longer knows the set: the short way declines (its cleaner's later removal is a no-op).
        assertThat(JniCalls.authorize(request, set)).isNull();
        assertThat(JniCalls.uncache(policies.policySet(policies.all()))).as("a set never cached").isFalse();

        SlicedEvaluator engine = (SlicedEvaluator) policies.engine(EngineKind.NATIVE, 4);
        assertThat(engine.decide(request).allowed()).isTrue();
        engine.releaseCachedSets();
        assertThat(engine.decide(request).allowed()).as("after release, a new set is cached and decides").isTrue();
        engine.releaseCachedSets();
    }

    /** What cedar-java's isAuthorized sends for a cached set: its private request type, through its own writer. */
    private static String cedarJavas(DecisionRequest request, String setId) throws Exception {
        Set<Entity> entities = new HashSet<>();
        for (EntityData data : request.entities()) {
            Set<EntityUID> parents = new HashSet<>();
            data.parents().forEach(p -> parents.add(CedarCalls.uid(p)));
            entities.add(new Entity(CedarCalls.uid(data.uid()), values(data.attributes()), parents));
        }
        AuthorizationRequest call = new AuthorizationRequest(CedarCalls.uid(request.principal()), CedarCalls.uid(request.action()),
                CedarCalls.uid(request.resource()), values(request.context()));
        Class<?> type = Class.forName("com.cedarpolicy.BasicAuthorizationEngine$StatefulAuthRequest");
        Constructor<?> constructor = type.getDeclaredConstructor(AuthorizationRequest.class, String.class, String.class, Set.class);
        constructor.setAccessible(true);
        return CedarJson.objectWriter().writeValueAsString(constructor.newInstance(call, setId, null, entities));
    }

    private static Map<String, Value> values(Map<String, ?> plain) {
        Map<String, Value> out = new HashMap<>();
        plain.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    private static Value value(Object v) {
        return switch (v) {
            case String s -> new PrimString(s);
            case Boolean b -> new PrimBool(b);
            case Long l -> new PrimLong(l);
            case EntityRef e -> CedarCalls.uid(e);
            case List<?> list -> new CedarList(list.stream().map(RequestJsonTest::value).toList());
            case Map<?, ?> map -> {
                Map<String, Value> out = new HashMap<>();
                map.forEach((k, x) -> out.put((String) k, value(x)));
                yield new CedarMap(out);
            }
            default -> throw new IllegalArgumentException(v.toString());
        };
    }

    /** Sorts the arrays that are sets (entities, parents), so that order does not matter. */
    private static JsonNode normalized(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode out = JSON.createObjectNode();
            object.properties().forEach(e -> {
                JsonNode child = normalized(e.getValue());
                if ((e.getKey().equals("entities") || e.getKey().equals("parents")) && child instanceof ArrayNode array) {
                    List<JsonNode> items = new ArrayList<>();
                    array.forEach(items::add);
                    items.sort(Comparator.comparing(JsonNode::toString));
                    child = JSON.createArrayNode().addAll(items);
                }
                out.set(e.getKey(), child);
            });
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JSON.createArrayNode();
            array.forEach(item -> out.add(normalized(item)));
            return out;
        }
        return node;
    }
}
