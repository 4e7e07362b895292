package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;

import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.schema.Schema;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cedar's own conformance tests (cedar-policy/cedar-integration-tests: the generated corpus and the
 * hand-written tests), every request through meshid's three ways of deciding: the Java evaluator
 * alone (which must agree with Cedar or hand the request on, never disagree), the full path (Java
 * with native fallback) and the native engine alone. Policies are compiled as the store compiles
 * a version, with the action groups read from the test's schema (the corpus's own Action
 * entities are dropped: meshid must find them in the schema). meshid's rule that any error denies
 * is applied to Cedar's expected answer. Requests meshid cannot express (extension values in the
 * data, entity tags that the request's evaluation can read, values that only a schema would type
 * as extension values) are counted by reason; tags no evaluation can read are left out, as meshid
 * sends none. The corpus is read where it lies, never copied: see {@link CorpusFiles}. Each test's
 * natively cached policy sets are freed when it ends, so that every native decision takes the
 * cached way production takes (see {@link ThreadSlices#releaseThisThread}).
 */
class CedarCorpusTest {

    private static final Logger LOG = LoggerFactory.getLogger(CedarCorpusTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ActionGroups> ACTION_GROUPS = new ConcurrentHashMap<>();
    private static final AtomicInteger SKIPPED_SCHEMAS = new AtomicInteger();
    private static final int VERIFY_EVERY = 16;
    private static final Pattern ACTION_IN = Pattern.compile("\\baction\\b[^;]*?\\bin\\b");
    private static final Set<String> EXTENSION_TYPES = Set.of("ipaddr", "decimal", "datetime", "duration");

    @Test
    void everyExpressibleRequest_getsCedarsDecision_onEveryPath() throws IOException {
        Path root = CorpusFiles.locate();
        if (root == null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("Cedar's integration tests are required in CI (CI=true) but were not found: " + CorpusFiles.WHERE);
        }
        Assumptions.assumeTrue(root != null, "Cedar's integration tests not found; to run this test: " + CorpusFiles.WHERE);

        long started = System.nanoTime();
        Tally tally = new Tally();
        Map<String, String> files = new HashMap<>();
        List<String> tests = new ArrayList<>();
        CorpusFiles.eachFile(root.resolve("corpus-tests.tar.gz"), (name, text) -> {
            if (name.endsWith(".json") && !name.endsWith(".entities.json")) {
                tests.add(text);
            } else {
                files.put(name, text);
            }
        });
        try {
            // Tests are independent: spread them over the cores (the engines are thread-safe).
            tests.parallelStream().map(test -> run(test, files, false)).toList().forEach(tally::add);
            files.clear();
            Map<String, String> handWritten = CorpusFiles.reader(root);
            try (Stream<Path> written = Files.walk(root.resolve("tests"))) {
                for (Path test : written.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    tally.add(run(Files.readString(test), handWritten, true));
                }
            }
        } finally {
            ACTION_GROUPS.clear();
            RequestJson.forgetEntities();
        }

        LOG.info("Cedar corpus: {} tests, {} requests: {} decided by the Java evaluator, {} by the native fallback; not "
                + "expressible: {}; {} s", tally.tests, tally.requests, tally.java, tally.fallback, tally.unexpressible,
                (System.nanoTime() - started) / 1_000_000_000L);
        assertThat(tally.mismatches).as("requests where meshid and Cedar differ").isEmpty();
        assertThat(tally.tests).isGreaterThan(7_000);
        assertThat(tally.java).isGreaterThan(tally.requests / 2);
    }

    /** One test file: its policies, schema and entities, and its requests with the expected answers. */
    private static Tally run(String testJson, Map<String, String> files, boolean handWritten) {
        Tally tally = new Tally();
        JsonNode test;
        try {
            test = JSON.readTree(testJson);
        } catch (IOException e) {
            throw new IllegalStateException("corpus: a test is not JSON: " + e.getMessage(), e);
        }
        tally.tests++;
        JsonNode requests = test.path("requests");
        String schemaText = files.get(test.path("schema").asText());
        String unexpressible = null;
        if (handWritten && schemaText != null && EXTENSION_TYPES.stream().anyMatch(schemaText::contains)) {
            unexpressible = "values typed as extension values by the schema";
        }
        Data data = new Data();
        if (unexpressible == null) {
            unexpressible = entities(files.get(test.path("entities").asText()), data, handWritten);
        }
        CompiledPolicySet compiled = null;
        if (unexpressible == null) {
            try {
                String policyText = files.get(test.path("policies").asText());
                Set<Policy> parsed = PolicySet.parsePolicies(policyText).policies;
                compiled = CompiledPolicySet.compile(byId(parsed), Map.of(), List.of(), actionGroups(schemaText));
                if (!data.tagged.isEmpty() && (policyText.contains("hasTag") || policyText.contains("getTag"))) {
                    data.tagsReadable = literals(parsed);
                }
            } catch (Exception e) {
                if (String.valueOf(e.getMessage()).contains("invalid utf-8")) {
                    // cedar-java passes strings through JNI's modified UTF-8, which Cedar refuses for
                    // NUL and characters outside the BMP: such a policy cannot be stored, so it is
                    // refused at the door, never decided differently.
                    unexpressible = "policy text that cedar-java cannot pass to Cedar (NUL or non-BMP characters)";
                } else {
                    tally.mismatches.add(test.path("policies").asText() + ": does not compile: " + e);
                    return tally;
                }
            }
        }
        if (unexpressible != null) {
            tally.requests += requests.size();
            tally.unexpressible.merge(unexpressible, requests.size(), Integer::sum);
            return tally;
        }
        JavaSlicedEvaluator full = (JavaSlicedEvaluator) compiled.engine(EngineKind.JAVA, 4);
        SlicedEvaluator nativeOnly = (SlicedEvaluator) compiled.engine(EngineKind.NATIVE, 4);
        try {
            decideAll(test, requests, compiled, data, handWritten, full, nativeOnly, tally);
        } finally {
            // Free this test's places in cedar-java's native cache (1,024 sets) now: left to the
            // garbage collector, they fill it within seconds and every later set goes uncached,
            // which is neither the way production decides nor fast.
            full.releaseCachedSets();
            nativeOnly.releaseCachedSets();
        }
        return tally;
    }

    /** Every request of a test on the three paths, into {@code tally}. */
    private static void decideAll(JsonNode test, JsonNode requests, CompiledPolicySet compiled, Data data,
            boolean handWritten, PolicyEngine full, PolicyEngine nativeOnly, Tally tally) {
        for (JsonNode request : requests) {
            tally.requests++;
            DecisionRequest cedar;
            try {
                EntityRef action = ref(request.path("action"));
                List<EntityData> all = new ArrayList<>(data.entities);
                all.addAll(compiled.actionGroups().entities(action));
                cedar = new DecisionRequest(ref(request.path("principal")), action, ref(request.path("resource")),
                        record(request.path("context"), handWritten), all);
                if (data.tagsRead(cedar)) {
                    throw new Unexpressible("entity tags that the request's evaluation can read");
                }
            } catch (Unexpressible e) {
                tally.unexpressible.merge(e.getMessage(), 1, Integer::sum);
                continue;
            }
            Expected expected = Expected.of(request);
            String where = test.path("policies").asText() + " " + request.path("description").asText();
            Decision java = compiled.javaPolicies().decide(cedar);
            if (java == null) {
                tally.fallback++;
            } else {
                tally.java++;
                expected.check(where + " [java]", java, tally.mismatches);
            }
            expected.check(where + " [java with fallback]", full.decide(cedar), tally.mismatches);
            expected.check(where + " [native]", nativeOnly.decide(cedar), tally.mismatches);
        }
    }

    /** Cedar's answer with meshid's rule applied: an error denies, and no permit then determined it. */
    private record Expected(boolean allowed, List<String> determining, List<String> errorIds) {
        static Expected of(JsonNode request) {
            boolean cedarAllows = request.path("decision").asText().equals("allow");
            List<String> errors = sorted(request.path("errors"));
            boolean allowed = cedarAllows && errors.isEmpty();
            return new Expected(allowed, cedarAllows && !errors.isEmpty() ? List.of() : sorted(request.path("reason")), errors);
        }

        void check(String where, Decision actual, List<String> mismatches) {
            List<String> ids = actual.errors().stream().map(e -> e.indexOf(": ") > 0 ? e.substring(0, e.indexOf(": ")) : e)
                    .sorted().toList();
            if (actual.allowed() != allowed || !actual.determiningPolicies().equals(determining) || !ids.equals(errorIds)) {
                mismatches.add(where + ": expected " + this + ", got " + actual);
            }
        }

        private static List<String> sorted(JsonNode array) {
            List<String> out = new ArrayList<>();
            array.forEach(v -> out.add(v.asText()));
            return out.stream().sorted().toList();
        }
    }

    /**
     * The action groups of a schema in Cedar's format, read as the store reads a version's
     * ({@link ActionGroups#fromSchemaJson} of cedar-java's JSON form), once per distinct schema
     * (3,150 of the generated tests share theirs with an earlier one) and with one native parse:
     * the corpus's schemas are valid, so {@code Schema.parse}'s own check is not repeated here.
     * A schema in which no action can be in a group (see {@link #mayDeclareActionGroups}) has
     * none, and is not converted (the conversion is most of the test's native time); one in
     * {@value #VERIFY_EVERY} of those is converted anyway, to check that it indeed has none.
     */
    private static ActionGroups actionGroups(String schemaText) {
        ActionGroups known = ACTION_GROUPS.get(schemaText);
        if (known != null) {
            return known;
        }
        boolean mayHaveGroups = mayDeclareActionGroups(schemaText);
        if (!mayHaveGroups && SKIPPED_SCHEMAS.incrementAndGet() % VERIFY_EVERY != 0) {
            return ActionGroups.NONE;
        }
        ActionGroups groups;
        try {
            groups = ActionGroups.fromSchemaJson(
                    new Schema(Schema.JsonOrCedar.Cedar, Optional.empty(), Optional.of(schemaText)).toJsonFormat());
        } catch (Exception e) {
            throw new IllegalStateException("corpus: a schema cedar-java cannot read: " + e.getMessage(), e);
        }
        if (!mayHaveGroups && !groups.isEmpty()) {
            throw new AssertionError("corpus: mayDeclareActionGroups missed the action groups of this schema:\n" + schemaText);
        }
        ACTION_GROUPS.putIfAbsent(schemaText, groups);
        return groups;
    }

    /**
     * False only when no action of a schema in Cedar's format can be in a group: outside string
     * literals and comments, no {@code in} between an {@code action} and the {@code ;} that ends
     * its declaration, and no {@code grpc} (the action {@link ActionGroups} makes a group of
     * undeclared gRPC methods). Text with NUL or a character outside the BMP, which cedar-java
     * cannot pass to Cedar, answers true, so that the conversion refuses it as the store would.
     */
    static boolean mayDeclareActionGroups(String schemaText) {
        if (schemaText.contains("grpc")) {
            return true;
        }
        StringBuilder code = new StringBuilder(schemaText.length());
        for (int i = 0; i < schemaText.length(); i++) {
            char c = schemaText.charAt(i);
            if (c == 0 || Character.isSurrogate(c)) {
                return true;
            }
            if (c == '"') {
                for (i++; i < schemaText.length() && schemaText.charAt(i) != '"'; i++) {
                    char inString = schemaText.charAt(i);
                    if (inString == 0 || Character.isSurrogate(inString)) {
                        return true;
                    }
                    if (inString == '\\') {
                        i++;
                    }
                }
                code.append(" \"\" ");
            } else if (c == '/' && i + 1 < schemaText.length() && schemaText.charAt(i + 1) == '/') {
                while (i < schemaText.length() && schemaText.charAt(i) != '\n') {
                    i++;
                }
                code.append('\n');
            } else {
                code.append(c);
            }
        }
        return ACTION_IN.matcher(code).find();
    }

    /** Static policies by the ids Cedar gives them ({@code policy0}, ...), as the expected reasons name them. */
    private static Map<String, String> byId(Set<Policy> parsed) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Policy policy : parsed) {
            out.put(policy.policyID, policy.policySrc);
        }
        return out;
    }

    /**
     * Every entity the policies name (in their scopes or as literals), from their JSON form: more
     * than that (any object with a textual type and id), never less.
     */
    private static Set<EntityRef> literals(Set<Policy> parsed) throws Exception {
        Set<EntityRef> out = new HashSet<>();
        for (Policy policy : parsed) {
            JSON.readTree(policy.toJson()).forEach(node -> entityObjects(node, out));
        }
        return out;
    }

    private static void entityObjects(JsonNode node, Set<EntityRef> out) {
        if (node.isObject() && node.path("type").isTextual() && node.path("id").isTextual()) {
            out.add(key(new EntityRef(node.get("type").asText(), node.get("id").asText())));
        }
        if (node.isContainerNode()) {
            node.forEach(child -> entityObjects(child, out));
        }
    }

    /**
     * Reads the entities into {@code out} (Action entities and tags left out: meshid sends neither);
     * the reason they are not expressible, or null.
     */
    private static String entities(String text, Data out, boolean implicitRefs) {
        try {
            for (JsonNode entity : JSON.readTree(text)) {
                EntityRef uid = ref(entity.path("uid"));
                if (entity.path("tags").size() > 0) {
                    out.tagged.add(key(uid));
                }
                if (uid.type().equals("Action") || uid.type().endsWith("::Action")) {
                    continue;
                }
                Set<EntityRef> parents = new LinkedHashSet<>();
                entity.path("parents").forEach(p -> parents.add(ref(p)));
                Map<String, Object> attributes = record(entity.path("attrs"), implicitRefs);
                out.entities.add(new EntityData(uid, attributes, parents));
                Set<EntityRef> refs = new HashSet<>();
                references(attributes, refs);
                out.attributeRefs.merge(key(uid), refs, (a, b) -> {
                    a.addAll(b);
                    return a;
                });
            }
            return null;
        } catch (Unexpressible e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new IllegalStateException("corpus: entities are not JSON: " + e.getMessage(), e);
        }
    }

    /** The entity references in a value (nested records and sets included), by {@link #key}. */
    private static void references(Object value, Set<EntityRef> out) {
        switch (value) {
            case EntityRef ref -> out.add(key(ref));
            case List<?> list -> list.forEach(v -> references(v, out));
            case Map<?, ?> map -> map.values().forEach(v -> references(v, out));
            default -> { }
        }
    }

    /** The reference with its type as Cedar prints it, so that references compare as Cedar's UIDs do. */
    private static EntityRef key(EntityRef ref) {
        return new EntityRef(CedarCalls.canonicalType(ref.type()), ref.id());
    }

    /**
     * A test's entities as meshid sends them, and what it takes to tell whether a request could
     * read one of the tags left out: Cedar reads a tag only through {@code hasTag}/{@code getTag}
     * on an entity the evaluation reaches, and it reaches only the request's principal, action,
     * resource, the entities in its context, those the policies name, and (transitively) those in
     * the attributes of reached entities (an ancestor is only compared, never reached).
     */
    private static final class Data {
        final Set<EntityData> entities = new LinkedHashSet<>();
        /** Entities carrying tags in the corpus's data, Action entities included. */
        final Set<EntityRef> tagged = new HashSet<>();
        /** The entity references in each entity's attributes. */
        final Map<EntityRef, Set<EntityRef>> attributeRefs = new HashMap<>();
        /** The entities the policies name when they call hasTag or getTag and some entity has tags; else null. */
        Set<EntityRef> tagsReadable;

        /** True when evaluating {@code request} may read a tag that meshid does not send. */
        boolean tagsRead(DecisionRequest request) {
            if (tagsReadable == null) {
                return false;
            }
            Set<EntityRef> reached = new HashSet<>(tagsReadable);
            reached.add(key(request.principal()));
            reached.add(key(request.action()));
            reached.add(key(request.resource()));
            references(request.context(), reached);
            Deque<EntityRef> todo = new ArrayDeque<>(reached);
            while (!todo.isEmpty()) {
                EntityRef next = todo.pop();
                if (tagged.contains(next)) {
                    return true;
                }
                for (EntityRef ref : attributeRefs.getOrDefault(next, Set.of())) {
                    if (reached.add(ref)) {
                        todo.push(ref);
                    }
                }
            }
            return false;
        }
    }

    private static EntityRef ref(JsonNode node) {
        JsonNode uid = node.has("__entity") ? node.get("__entity") : node;
        if (!uid.path("type").isTextual() || !uid.path("id").isTextual()) {
            throw new Unexpressible("a request without a principal, action or resource");
        }
        return new EntityRef(uid.get("type").asText(), uid.get("id").asText());
    }

    /**
     * A record. With {@code implicitRefs} (the hand-written tests, whose data Cedar reads with the
     * schema), an object of exactly {@code type} and {@code id} is an entity reference, as the
     * schema types it there.
     */
    private static Map<String, Object> record(JsonNode node, boolean implicitRefs) {
        Map<String, Object> out = new TreeMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), value(e.getValue(), implicitRefs)));
        return out;
    }

    private static Object value(JsonNode node, boolean implicitRefs) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(v -> out.add(value(v, implicitRefs)));
            return out;
        }
        if (node.isObject()) {
            if (node.has("__extn")) {
                throw new Unexpressible("extension values in the data");
            }
            if (node.has("__entity") || implicitRefs && node.size() == 2 && node.path("type").isTextual()
                    && node.path("id").isTextual()) {
                return ref(node);
            }
            return record(node, implicitRefs);
        }
        throw new Unexpressible("a value of JSON type " + node.getNodeType());
    }

    private static final class Unexpressible extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unexpressible(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Tally {
        int tests;
        int requests;
        int java;
        int fallback;
        final Map<String, Integer> unexpressible = new TreeMap<>();
        final List<String> mismatches = new ArrayList<>();

        void add(Tally other) {
            tests += other.tests;
            requests += other.requests;
            java += other.java;
            fallback += other.fallback;
            other.unexpressible.forEach((k, v) -> unexpressible.merge(k, v, Integer::sum));
            mismatches.addAll(other.mismatches);
        }
    }
}
