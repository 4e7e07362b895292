package io.meshid.policy.validation;

import java.util.List;

/**
 * What validating a policy set found: every error and every warning, and how many static
 * policies and template links it holds. Valid when there are no errors (warnings do not block
 * storing). Immutable.
 */
public record ValidationReport(List<ValidationError> errors, List<ValidationError> warnings, int policyCount) {

    public ValidationReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    /** True when there are no errors. */
    public boolean valid() {
        return errors.isEmpty();
    }
}
