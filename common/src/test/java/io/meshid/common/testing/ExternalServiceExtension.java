package io.meshid.common.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Runs, skips or fails a test class marked {@link RequiresRedis} or {@link RequiresPostgres}: it
 * runs when the service answers; when it does not, the class is disabled with a reason that says
 * how to start the service, or fails before its first test when {@code CI=true}.
 */
final class ExternalServiceExtension implements ExecutionCondition, BeforeAllCallback {

    enum Outcome { RUN, SKIP, FAIL }

    record Decision(Outcome outcome, String reason) {
    }

    private final Function<String, String> environment;
    private final Predicate<ExternalService> probe;
    private final Map<ExternalService, Boolean> reachable = new ConcurrentHashMap<>();

    ExternalServiceExtension() {
        this(System::getenv, ExternalService::isReachable);
    }

    ExternalServiceExtension(Function<String, String> environment, Predicate<ExternalService> probe) {
        this.environment = environment;
        this.probe = probe;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        for (ExternalService service : required(context)) {
            Decision decision = decide(service);
            if (decision.outcome() == Outcome.SKIP) {
                return ConditionEvaluationResult.disabled(decision.reason());
            }
        }
        return ConditionEvaluationResult.enabled("the required services answer, or CI=true");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        for (ExternalService service : required(context)) {
            Decision decision = decide(service);
            if (decision.outcome() == Outcome.FAIL) {
                throw new IllegalStateException(decision.reason());
            }
        }
    }

    /** What to do about a test class that needs {@code service}. */
    Decision decide(ExternalService service) {
        String address = service.address();
        if (reachable.computeIfAbsent(service, probe::test)) {
            return new Decision(Outcome.RUN, service.displayName() + " answers at " + address);
        }
        if ("true".equalsIgnoreCase(environment.apply("CI"))) {
            return new Decision(Outcome.FAIL, service.displayName() + " is required in CI (CI=true) but " + address
                    + " is unreachable: start it with `" + service.startCommand() + "`, or point -D"
                    + service.property() + " at a running one");
        }
        return new Decision(Outcome.SKIP, service.displayName() + " at " + address
                + " is unreachable, so these tests are skipped (with CI=true they fail): start it with `"
                + service.startCommand() + "`, or point -D" + service.property() + " at a running one");
    }

    private static List<ExternalService> required(ExtensionContext context) {
        List<ExternalService> services = new ArrayList<>();
        if (AnnotationSupport.isAnnotated(context.getTestClass(), RequiresRedis.class)) {
            services.add(ExternalService.REDIS);
        }
        if (AnnotationSupport.isAnnotated(context.getTestClass(), RequiresPostgres.class)) {
            services.add(ExternalService.POSTGRES);
        }
        return services;
    }
}
