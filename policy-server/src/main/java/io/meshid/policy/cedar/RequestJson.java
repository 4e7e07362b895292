package io.meshid.policy.cedar;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes the JSON of cedar-java's {@code StatefulAuthorizationOperation} (a request against a
 * natively cached policy set) straight from a {@link DecisionRequest}: the same document that
 * cedar-java's Jackson serializers write for the same request (field order and escapes aside),
 * without building cedar-java's value objects first. An entity's JSON depends on the entity only,
 * so it is written once per {@link EntityData} (up to {@value #MAX_CACHED_ENTITIES}): the
 * Workload and Service entities of a mesh request are built once per SPIFFE ID and reused.
 *
 * <p>Where cedar-java would refuse to serialize the request (a nested record with the reserved
 * key {@code __entity} or {@code __extn}) or the request holds an invalid entity type, it writes
 * nothing ({@code null}): the caller then goes through cedar-java itself, which gives the answer
 * and error message it always gave. Thread-safe.
 */
final class RequestJson {

    static final String OPERATION = "StatefulAuthorizationOperation";
    private static final int MAX_CACHED_ENTITIES = 65_536;
    private static final Map<EntityData, String> ENTITIES = new ConcurrentHashMap<>();

    private RequestJson() {}

    /** The request JSON for {@code request} against the cached set {@code policySetId}, or null (see above). */
    static String stateful(DecisionRequest request, String policySetId) {
        try {
            StringBuilder out = new StringBuilder(1024);
            out.append("{\"principal\":");
            entityValue(out, request.principal());
            out.append(",\"action\":");
            entityValue(out, request.action());
            out.append(",\"resource\":");
            entityValue(out, request.resource());
            out.append(",\"context\":");
            record(out, request.context());
            out.append(",\"preparsedPolicySetId\":");
            string(out, policySetId);
            out.append(",\"validateRequest\":false,\"entities\":[");
            boolean first = true;
            for (EntityData entity : request.entities()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(entity(entity));
            }
            return out.append("]}").toString();
        } catch (Unwritable e) {
            return null;
        }
    }

    /**
     * Empties the memo of entity JSON, which holds the first {@value #MAX_CACHED_ENTITIES} entities
     * and then stops growing (Cedar's conformance corpus, with tens of thousands of one-off
     * entities, fills it: it forgets them when it is done).
     */
    static void forgetEntities() {
        ENTITIES.clear();
    }

    /** One entity as cedar-java's EntitySerializer writes it; memoized. */
    static String entity(EntityData entity) {
        String known = ENTITIES.get(entity);
        if (known != null) {
            return known;
        }
        StringBuilder out = new StringBuilder(256).append("{\"uid\":");
        uid(out, entity.uid());
        out.append(",\"attrs\":");
        record(out, entity.attributes());
        out.append(",\"parents\":[");
        boolean first = true;
        for (EntityRef parent : entity.parents()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            uid(out, parent);
        }
        String json = out.append("],\"tags\":{}}").toString();
        if (ENTITIES.size() < MAX_CACHED_ENTITIES) {
            ENTITIES.putIfAbsent(entity, json);
        }
        return json;
    }

    /** A top-level record (context, attributes): a plain JSON object, as Jackson writes a Map. */
    private static void record(StringBuilder out, Map<String, Object> values) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, entry.getKey());
            out.append(':');
            value(out, entry.getValue());
        }
        out.append('}');
    }

    private static void value(StringBuilder out, Object value) {
        switch (value) {
            case String s -> string(out, s);
            case Boolean b -> out.append(b.booleanValue());
            case Long l -> out.append(l.longValue());
            case EntityRef e -> entityValue(out, e);
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    value(out, list.get(i));
                }
                out.append(']');
            }
            case Map<?, ?> map -> {
                // A nested record (cedar-java's CedarMap), whose serializer refuses the escape keys.
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String key = (String) entry.getKey();
                    if (key.equals("__entity") || key.equals("__extn")) {
                        throw new Unwritable();
                    }
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, key);
                    out.append(':');
                    value(out, entry.getValue());
                }
                out.append('}');
            }
            default -> throw new Unwritable();
        }
    }

    /** An entity reference as a value: {@code {"__entity":{"id":..,"type":..}}}. */
    private static void entityValue(StringBuilder out, EntityRef ref) {
        String type = type(ref);
        out.append("{\"__entity\":{\"id\":");
        string(out, ref.id());
        out.append(",\"type\":");
        string(out, type);
        out.append("}}");
    }

    /** An entity UID as an entity's uid or parent: {@code {"type":..,"id":..}}. */
    private static void uid(StringBuilder out, EntityRef ref) {
        String type = type(ref);
        out.append("{\"type\":");
        string(out, type);
        out.append(",\"id\":");
        string(out, ref.id());
        out.append('}');
    }

    /** The type name as cedar-java prints it into JSON; an invalid one is left to cedar-java's own path. */
    private static String type(EntityRef ref) {
        try {
            return CedarCalls.typeName(ref.type()).toString();
        } catch (RuntimeException e) {
            throw new Unwritable();
        }
    }

    /** A JSON string: quotes, backslashes and control characters escaped, everything else as is. */
    static void string(StringBuilder out, String value) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(value, start, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
            start = i + 1;
        }
        out.append(value, start, value.length()).append('"');
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** This request is not written here; cedar-java's own path takes it. */
    private static final class Unwritable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unwritable() {
            super(null, null, false, false);
        }
    }
}
