package io.meshid.policy.store;

import io.meshid.common.errors.MeshidException;
import io.meshid.policy.validation.ValidationReport;

/**
 * A put refused because the policy set does not validate; carries every finding. Answered with
 * INVALID_ARGUMENT and the details that policy_admin.proto lists.
 */
public final class PolicySetInvalidException extends MeshidException {

    private static final long serialVersionUID = 1L;

    private final transient ValidationReport report;

    public PolicySetInvalidException(ValidationReport report) {
        super("policy set: " + report.errors().size() + " validation error(s), first "
                + report.errors().get(0).describe() + " (expected: a policy set that validates against its schema)");
        this.report = report;
    }

    /** Every error and warning. */
    public ValidationReport report() {
        return report;
    }

    @Override
    public Kind kind() {
        return Kind.INVALID_ARGUMENT;
    }
}
