package io.meshid.policy.validation;

import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.ValidationRequest;
import com.cedarpolicy.model.ValidationResponse;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.model.schema.Schema;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where Cedar's parser stopped in a policy, template or Cedar-format schema that does not parse.
 * Cedar's Java binding reports a parse error by its message only ({@code Policy.parseStaticPolicy},
 * {@code Schema.parse}: "unexpected token `}`"); its validation call parses the same text in Cedar's
 * core and reports the error with its span and what the parser expected there, which is what an
 * author needs ({@code policies.cedar:87:31}, not the policy's first line). Used on the failure path
 * only; anything unexpected gives no span, and the caller keeps its coarser position. Stateless and
 * thread-safe.
 */
final class ParseErrors {

    /**
     * A parse error's span in the text parsed, as UTF-8 byte offsets (as {@link TextPositions}
     * counts), and what Cedar expected there ("expected `,`, `::`, or `]`"; may be empty).
     */
    record Span(int start, int end, String expected) {
    }

    private static final Schema NO_SCHEMA = new Schema("");

    private ParseErrors() {
    }

    /** The span of the parse error in a static policy's text. */
    static Optional<Span> inPolicy(String text) {
        return first(NO_SCHEMA, new PolicySet(Set.of(new Policy(text, "p"))), "failed to parse policy");
    }

    /** The span of the parse error in a template's text. */
    static Optional<Span> inTemplate(String text) {
        return first(NO_SCHEMA, new PolicySet(Set.of(), Set.of(new Policy(text, "t"))), "failed to parse");
    }

    /** The span of the parse error in a schema in Cedar's own (not JSON) format. */
    static Optional<Span> inCedarSchema(String text) {
        return first(new Schema(text), new PolicySet(), "failed to parse schema");
    }

    private static Optional<Span> first(Schema schema, PolicySet set, String about) {
        try {
            ValidationResponse response = PolicySetValidator.ENGINE.validate(new ValidationRequest(schema, set));
            List<DetailedError> errors = response.errors.map(List::copyOf).orElse(List.of());
            return errors.stream().filter(e -> e.message.startsWith(about) && !e.sourceLocations.isEmpty()).findFirst()
                    .map(e -> e.sourceLocations.getFirst())
                    .filter(l -> l.start >= 0 && l.end >= l.start)
                    .map(l -> new Span(l.start, l.end, l.label.orElse("")));
        } catch (Exception | LinkageError e) {
            return Optional.empty();
        }
    }
}
