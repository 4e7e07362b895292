package io.meshid.policy.store;

/** Where a stored version stands now. */
public enum VersionState {
    /** It decides checks. */
    ACTIVE,
    /** It is evaluated beside the active version, for the audit trail only. */
    SHADOW,
    /** A past version, kept for history and rollback. */
    INACTIVE
}
