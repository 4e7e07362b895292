package io.meshid.policy.cedar;

import java.util.List;
import java.util.Random;

/**
 * Random Cedar expressions (as text) over a few attribute types, for differential tests: mostly
 * well-typed, with a share of wrong operand types, missing attributes, overflow and entities the
 * request does not hold, so that errors are as common as values. Deterministic for a seed.
 */
final class RandomExpressions {

    enum Type { BOOL, LONG, STRING, ENTITY, SET, RECORD }

    private static final List<String> PATTERNS = List.of("a*", "*b*", "ab\\\\*", "", "*", "a*b*c", "*a", "**c", "abc");
    private static final List<String> STRINGS = List.of("\"\"", "\"a\"", "\"ab*\"", "\"abc\"", "\"b\\\\a\"", "\"aXbYc\"");
    private static final List<String> ENTITIES = List.of("principal", "resource", "action", "context.e", "Namespace::\"ns1\"",
            "Region::\"r1\"", "Workload::\"w1\"", "Workload::\"w2\"", "resource.owner", "Service::\"s1\"");

    private final Random random;

    RandomExpressions(Random random) {
        this.random = random;
    }

    String bool(int depth) {
        return of(Type.BOOL, depth);
    }

    String of(Type type, int depth) {
        if (random.nextInt(12) == 0) {
            type = Type.values()[random.nextInt(Type.values().length)];
        }
        boolean leaf = depth <= 0 || random.nextInt(4) == 0;
        return switch (type) {
            case BOOL -> leaf ? pick("true", "false", "context.b", "principal.flag", "context.missing") : boolNode(depth - 1);
            case LONG -> leaf ? pick("0", "1", "-3", "7", "9223372036854775807", "context.i", "context.j", "context.k",
                    "principal.n", "context.r.n") : longNode(depth - 1);
            case STRING -> leaf ? pick(STRINGS.toArray(String[]::new)) : pick("context.s", "principal.name", "context.r.s",
                    "(if " + bool(depth - 1) + " then " + of(Type.STRING, depth - 1) + " else " + of(Type.STRING, depth - 1) + ")");
            case ENTITY -> leaf || random.nextBoolean() ? pick(ENTITIES.toArray(String[]::new))
                    : "(if " + bool(depth - 1) + " then " + of(Type.ENTITY, depth - 1) + " else " + of(Type.ENTITY, depth - 1) + ")";
            case SET -> leaf ? pick("context.set", "context.es", "principal.tags", "[]", "[1, 2]", "[Namespace::\"ns1\", Workload::\"w2\"]")
                    : "[" + any(depth - 1) + ", " + any(depth - 1) + "]";
            case RECORD -> leaf ? pick("context.r", "context", "{}") : "{n: " + of(Type.LONG, depth - 1) + ", s: "
                    + of(Type.STRING, depth - 1) + "}";
        };
    }

    private String boolNode(int d) {
        return switch (random.nextInt(16)) {
            case 0 -> "(!" + bool(d) + ")";
            case 1 -> "(" + bool(d) + " && " + bool(d) + ")";
            case 2 -> "(" + bool(d) + " || " + bool(d) + ")";
            case 3 -> "(" + any(d) + " == " + any(d) + ")";
            case 4 -> "(" + any(d) + " != " + any(d) + ")";
            case 5 -> "(" + of(Type.LONG, d) + pick(" < ", " <= ", " > ", " >= ") + of(Type.LONG, d) + ")";
            case 6 -> "(" + of(Type.STRING, d) + " like \"" + pick(PATTERNS.toArray(String[]::new)) + "\")";
            case 7 -> "(" + of(Type.ENTITY, d) + " in " + of(Type.ENTITY, d) + ")";
            case 8 -> "(" + of(Type.ENTITY, d) + " in [" + of(Type.ENTITY, d) + ", " + of(Type.ENTITY, d) + "])";
            case 9 -> "(" + (random.nextBoolean() ? of(Type.ENTITY, d) : of(Type.RECORD, d)) + " has " + pick("n", "name", "s", "flag", "owner") + ")";
            case 10 -> "((" + of(Type.SET, d) + ").contains(" + any(d) + "))";
            case 11 -> "((" + of(Type.SET, d) + ")." + pick("containsAll", "containsAny") + "(" + of(Type.SET, d) + "))";
            case 12 -> "((" + of(Type.SET, d) + ").isEmpty())";
            case 13 -> "(" + of(Type.ENTITY, d) + " is " + pick("Workload", "Namespace", "Service") + ")";
            case 14 -> "(" + of(Type.ENTITY, d) + " is Workload in " + of(Type.ENTITY, d) + ")";
            default -> "(if " + bool(d) + " then " + bool(d) + " else " + bool(d) + ")";
        };
    }

    private String longNode(int d) {
        return switch (random.nextInt(5)) {
            case 0 -> "(" + of(Type.LONG, d) + " + " + of(Type.LONG, d) + ")";
            case 1 -> "(" + of(Type.LONG, d) + " - " + of(Type.LONG, d) + ")";
            case 2 -> "(" + of(Type.LONG, d) + " * " + of(Type.LONG, d) + ")";
            case 3 -> "(-" + of(Type.LONG, d) + ")";
            default -> "(if " + bool(d) + " then " + of(Type.LONG, d) + " else " + of(Type.LONG, d) + ")";
        };
    }

    private String any(int depth) {
        return of(Type.values()[random.nextInt(Type.values().length)], depth);
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }
}
