package io.meshid.policy.cedar.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshid.policy.cedar.EntityRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles one expression of Cedar's JSON policy form (the EST) into an {@link Expr}, throwing
 * {@link Unsupported} for anything outside the subset the Java evaluator implements: extension
 * functions ({@code ip}, {@code decimal}, {@code datetime}, ...), tags, slots in conditions,
 * unknowns and any node it does not know. Stateless and thread-safe.
 */
final class ExprCompiler {

    private ExprCompiler() {}

    static Expr compile(JsonNode node) {
        if (node == null || !node.isObject() || node.size() != 1) {
            throw new Unsupported("expression " + node);
        }
        String op = node.fieldNames().next();
        JsonNode body = node.get(op);
        return switch (op) {
            case "Value" -> new Terms.Lit(value(body));
            case "Var" -> variable(body.asText());
            case "!" -> new Logic.Not(arg(body));
            case "neg" -> new Arith.Neg(arg(body));
            case "isEmpty" -> new Membership.IsEmpty(arg(body));
            case "&&" -> new Logic.And(left(body), right(body));
            case "||" -> new Logic.Or(left(body), right(body));
            case "==" -> new Arith.Eq(left(body), right(body), false);
            case "!=" -> new Arith.Eq(left(body), right(body), true);
            case "<" -> new Arith.Compare(Arith.CompareOp.LT, left(body), right(body));
            case "<=" -> new Arith.Compare(Arith.CompareOp.LE, left(body), right(body));
            case ">" -> new Arith.Compare(Arith.CompareOp.GT, left(body), right(body));
            case ">=" -> new Arith.Compare(Arith.CompareOp.GE, left(body), right(body));
            case "+" -> new Arith.Binary(Arith.ArithOp.ADD, left(body), right(body));
            case "-" -> new Arith.Binary(Arith.ArithOp.SUB, left(body), right(body));
            case "*" -> new Arith.Binary(Arith.ArithOp.MUL, left(body), right(body));
            case "in" -> new Membership.In(left(body), right(body));
            case "contains" -> new Membership.Contains(left(body), right(body));
            case "containsAll" -> new Membership.ContainsSet(left(body), right(body), true);
            case "containsAny" -> new Membership.ContainsSet(left(body), right(body), false);
            case "." -> new Terms.GetAttr(left(body), text(body, "attr"));
            case "has" -> new Terms.Has(left(body), text(body, "attr"));
            case "like" -> like(left(body), body.get("pattern"));
            case "is" -> new Membership.Is(left(body), text(body, "entity_type"),
                    body.hasNonNull("in") ? compile(body.get("in")) : null);
            case "if-then-else" -> new Logic.If(compile(body.get("if")), compile(body.get("then")), compile(body.get("else")));
            case "Set" -> set(body);
            case "Record" -> record(body);
            default -> throw new Unsupported("operator " + op);
        };
    }

    private static Expr variable(String name) {
        return switch (name) {
            case "principal" -> Terms.Var.PRINCIPAL;
            case "action" -> Terms.Var.ACTION;
            case "resource" -> Terms.Var.RESOURCE;
            case "context" -> Terms.Var.CONTEXT;
            default -> throw new Unsupported("variable " + name);
        };
    }

    private static Expr arg(JsonNode body) {
        return compile(body.get("arg"));
    }

    private static Expr left(JsonNode body) {
        return compile(body.get("left"));
    }

    private static Expr right(JsonNode body) {
        return compile(body.get("right"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new Unsupported(field + " " + value);
        }
        return value.asText();
    }

    private static Expr like(Expr left, JsonNode pattern) {
        if (pattern == null || !pattern.isArray()) {
            throw new Unsupported("like pattern " + pattern);
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        for (JsonNode element : pattern) {
            if (element.isTextual() && element.asText().equals("Wildcard")) {
                if (!run.isEmpty()) {
                    pieces.add(run.toString());
                    run.setLength(0);
                }
            } else if (element.isObject() && element.path("Literal").isTextual()) {
                run.append(element.get("Literal").asText());
            } else {
                throw new Unsupported("like pattern element " + element);
            }
        }
        if (!run.isEmpty()) {
            pieces.add(run.toString());
        }
        boolean leading = !pattern.isEmpty() && pattern.get(0).isTextual();
        boolean trailing = !pattern.isEmpty() && pattern.get(pattern.size() - 1).isTextual();
        return new Like(left, pieces.toArray(String[]::new), leading, trailing);
    }

    private static Expr set(JsonNode items) {
        if (!items.isArray()) {
            throw new Unsupported("set " + items);
        }
        List<Expr> exprs = new ArrayList<>();
        boolean constant = true;
        for (JsonNode item : items) {
            Expr expr = compile(item);
            exprs.add(expr);
            constant &= expr instanceof Terms.Lit;
        }
        if (constant) {
            return new Terms.Lit(Set.copyOf(exprs.stream().map(e -> ((Terms.Lit) e).value()).toList()));
        }
        return new Membership.SetLit(List.copyOf(exprs));
    }

    private static Expr record(JsonNode fields) {
        if (!fields.isObject()) {
            throw new Unsupported("record " + fields);
        }
        Map<String, Expr> exprs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            exprs.put(field.getKey(), compile(field.getValue()));
        }
        return new Terms.RecordLit(Collections.unmodifiableMap(exprs));
    }

    /** A literal in Cedar's JSON value form: bool, long, string, entity, set or record. */
    static Object value(JsonNode node) {
        if (node == null) {
            throw new Unsupported("value null");
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            List<Object> items = new ArrayList<>();
            node.forEach(item -> items.add(value(item)));
            return Set.copyOf(items);
        }
        if (node.isObject()) {
            if (node.has("__extn")) {
                throw new Unsupported("extension value " + node);
            }
            if (node.has("__entity")) {
                return entity(node.get("__entity"));
            }
            Map<String, Object> record = new LinkedHashMap<>();
            node.fields().forEachRemaining(f -> record.put(f.getKey(), value(f.getValue())));
            return Collections.unmodifiableMap(record);
        }
        throw new Unsupported("value " + node);
    }

    /** An entity reference {@code {"type": ..., "id": ...}}. */
    static EntityRef entity(JsonNode node) {
        if (node == null || !node.path("type").isTextual() || !node.path("id").isTextual()) {
            throw new Unsupported("entity " + node);
        }
        return new EntityRef(node.get("type").asText(), node.get("id").asText());
    }
}
