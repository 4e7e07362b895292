package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;
import java.util.Locale;

/**
 * Which evaluator decides ({@code meshid.policy.engine}): {@link #JAVA}, meshid's own evaluator
 * for the subset of Cedar it implements, with the native engine deciding the slices it cannot;
 * or {@link #NATIVE}, cedar-java's native library for every decision. Both give Cedar's answer.
 */
public enum EngineKind {
    JAVA,
    NATIVE;

    /** The kind named {@code name} ({@code java} or {@code native}, any case). */
    public static EngineKind of(String name) {
        String normal = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (normal) {
            case "java" -> JAVA;
            case "native" -> NATIVE;
            default -> throw new MeshidException.InvalidArgument("policy engine: '" + name + "' (expected: java or native)");
        };
    }

    /** The name as configured: {@code java} or {@code native}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
