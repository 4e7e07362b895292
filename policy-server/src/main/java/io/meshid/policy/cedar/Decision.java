package io.meshid.policy.cedar;

import java.util.Arrays;
import java.util.List;

/**
 * The answer to a {@link DecisionRequest}.
 *
 * <p>{@code allowed} is true only when Cedar allowed the request and no policy failed to evaluate:
 * any error denies. {@code determiningPolicies} are the ids Cedar reported as the reason, sorted
 * (the permits that allowed, or the forbids that denied; empty for a default deny). On a deny
 * forced by errors where Cedar would have allowed, it is empty: no forbid decided it, and the
 * permits Cedar reported did not. {@code errors} are readable messages, each
 * naming the policy that failed when there is one, sorted. Immutable and thread-safe.
 */
public record Decision(boolean allowed, List<String> determiningPolicies, List<String> errors) {

    public Decision {
        determiningPolicies = sorted(determiningPolicies);
        errors = sorted(errors);
    }

    /** An immutable sorted copy; most lists here hold none or one element, which need no sorting. */
    private static List<String> sorted(List<String> values) {
        if (values.size() < 2) {
            return List.copyOf(values);
        }
        String[] copy = values.toArray(String[]::new);
        Arrays.sort(copy);
        return List.of(copy);
    }

    /** A deny caused by one error that stopped evaluation. */
    public static Decision denyWithError(String error) {
        return new Decision(false, List.of(), List.of(error));
    }
}
