package io.meshid.policy.store;

import io.meshid.common.errors.MeshidException;

/** A write refused because its expected version is not the latest one; answered with ABORTED. */
public final class VersionMismatchException extends MeshidException {

    private static final long serialVersionUID = 1L;

    private final long latestVersion;

    public VersionMismatchException(long expected, long latestVersion) {
        super("expected_version: " + expected + " (expected: the latest version, " + latestVersion
                + "; read again, merge, retry)");
        this.latestVersion = latestVersion;
    }

    /** The latest version at the time of the write. */
    public long latestVersion() {
        return latestVersion;
    }

    @Override
    public Kind kind() {
        return Kind.CONFLICT;
    }
}
