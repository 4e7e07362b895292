package io.meshid.policy.cedar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Input nested beyond what a thread's stack can walk. The gRPC door refuses attributes deeper
 * than 8 levels ({@code PolicyServiceEndpointTest}) and the engine anything deeper than 16, and a
 * policy nested beyond 512 levels is left to the native engine; inside those bounds the Java
 * evaluator still recurses, so a thread short of stack must get a deny with an error from it,
 * never a {@link StackOverflowError} that kills the caller's thread, and never a guess.
 */
class DeepInputTest {

    /** 200 nested conjunctions, true, within the Java evaluator's subset, hundreds of frames deep to evaluate. */
    private static final CompiledPolicySet COMPILED = CompiledPolicySet.compile(Map.of(
            "deep", "permit(principal, action == Action::\"GET\", resource == Service::\"core\") when { "
                    + "(true && ".repeat(200) + "true" + ")".repeat(200) + " };"),
            Map.of(), List.of());
    private static final PolicyEngine JAVA = COMPILED.engine(EngineKind.JAVA, 4);
    private static final DecisionRequest GET_CORE = request(Map.of());

    @Test
    void deepPolicy_isDecidedByJava_whenTheStackSuffices() {
        assertThat(COMPILED.nativeOnlyPolicies()).as("the policy stays in the Java evaluator's subset").isZero();
        assertThat(JAVA.decide(GET_CORE)).isEqualTo(new Decision(true, List.of("deep"), List.of()));
    }

    @Test
    void deepPolicy_onAThreadOutOfStack_isDeniedWithAnError_notThrown() {
        Decision decision = decideAtTheEndOfTheStack(0);

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.errors()).singleElement().asString().startsWith("request: nested too deeply to evaluate");
    }

    /**
     * The deepest policies the validator lets through ({@code Nesting}'s bounds: 32 brackets, 64
     * {@code if}, 1,000 operators) are compiled and decided by every engine on a thread with
     * the JVM's default 1 MiB stack, where cedar-java's native code would die, not throw, if it ran
     * out of stack: a crash here ends the test JVM and fails the build.
     */
    @Test
    void deepestAcceptedPolicies_decideOnEveryEngine_onADefaultStack() throws Exception {
        Map<String, String> nested = Map.of(
                "parens", "permit(principal, action == Action::\"GET\", resource) when { " + "(true && ".repeat(31) + "true"
                        + ")".repeat(31) + " };",
                "ifs", "permit(principal, action == Action::\"GET\", resource) when { " + "if true then ".repeat(64) + "true"
                        + " else false".repeat(64) + " };");
        Map<String, String> chain = Map.of(
                "chain", "permit(principal, action == Action::\"GET\", resource) when { context.t" + " && context.t".repeat(998) + " };");
        DecisionRequest request = request(Map.of("t", true));

        List<Decision> decisions = onDefaultStack(() -> {
            CompiledPolicySet a = CompiledPolicySet.compile(nested, Map.of(), List.of());
            CompiledPolicySet b = CompiledPolicySet.compile(chain, Map.of(), List.of());
            return List.of(a.engine(EngineKind.JAVA, 4).decide(request), a.engine(EngineKind.NATIVE, 4).decide(request),
                    b.engine(EngineKind.JAVA, 4).decide(request), b.engine(EngineKind.NATIVE, 4).decide(request));
        });

        Decision allowed = new Decision(true, List.of("ifs", "parens"), List.of());
        assertThat(decisions.get(0)).usingRecursiveComparison().ignoringCollectionOrder().isEqualTo(allowed);
        assertThat(decisions.get(1)).usingRecursiveComparison().ignoringCollectionOrder().isEqualTo(allowed);
        // Cedar itself stops the 999-term chain with an evaluation error, not a crash: the policy
        // fails to evaluate and the request is denied, alike on both engines.
        assertThat(decisions.get(2)).isEqualTo(decisions.get(3)).isEqualTo(
                new Decision(false, List.of(), List.of("chain: recursion limit reached")));
    }

    private static List<Decision> onDefaultStack(java.util.function.Supplier<List<Decision>> work) throws Exception {
        java.util.concurrent.CompletableFuture<List<Decision>> result = new java.util.concurrent.CompletableFuture<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "default-stack", 1 << 20);
        thread.start();
        return result.get(2, java.util.concurrent.TimeUnit.MINUTES);
    }

    @Test
    void requestDataNestedThousandsDeep_isRefusedAsBadInput_beforeEvaluation() {
        Map<String, Object> context = Map.of("a", nested(20_000));

        assertThatThrownBy(() -> JAVA.decide(request(context)))
                .isInstanceOf(MeshidException.InvalidArgument.class)
                .hasMessageContaining("expected: at most 16 levels");
    }

    /**
     * Recurses until the stack is exhausted, then asks for the decision from each frame on the
     * way back: frames too close to the end overflow before the evaluator is entered (and are
     * retried one frame up); the first call that returns is one that entered the evaluator with
     * too little stack for 200 levels.
     */
    private static Decision decideAtTheEndOfTheStack(long depth) {
        try {
            // No stack holds a billion frames: the bound only tells the compiler the recursion ends.
            return depth < 1_000_000_000L ? decideAtTheEndOfTheStack(depth + 1) : JAVA.decide(GET_CORE);
        } catch (StackOverflowError e) {
            return JAVA.decide(GET_CORE);
        }
    }

    private static DecisionRequest request(Map<String, Object> context) {
        return new DecisionRequest(new EntityRef("Workload", "w"), new EntityRef("Action", "GET"), new EntityRef("Service", "core"),
                context, List.of());
    }

    private static Object nested(int depth) {
        Object value = "leaf";
        for (int i = 0; i < depth; i++) {
            value = Map.of("k", value);
        }
        return value;
    }
}
