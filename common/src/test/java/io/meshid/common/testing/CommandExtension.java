package io.meshid.common.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Decides {@link RequiresCommand}: run, skip with a reason, or (under {@code CI=true}) fail. */
final class CommandExtension implements ExecutionCondition, BeforeAllCallback {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        RequiresCommand required = annotation(context);
        if (required == null || onPath(required.value()) || ci()) {
            return ConditionEvaluationResult.enabled("no command required, or it is present, or CI must fail without it");
        }
        return ConditionEvaluationResult.disabled("'" + required.value() + "' is not on the PATH; install it to run this test ("
                + required.install() + ")");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        RequiresCommand required = annotation(context);
        if (required != null && !onPath(required.value())) {
            throw new IllegalStateException("'" + required.value() + "' is required in CI (CI=true) but is not on the PATH: "
                    + required.install());
        }
    }

    private static RequiresCommand annotation(ExtensionContext context) {
        return context.getTestClass().map(c -> c.getAnnotation(RequiresCommand.class)).orElse(null);
    }

    private static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }
}
