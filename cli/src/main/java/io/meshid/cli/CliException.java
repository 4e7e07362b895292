package io.meshid.cli;

/**
 * A failure meshctl reports in one line ("what was wrong (expected: ...)") with its exit code:
 * {@link Meshctl#USAGE} for a bad flag, file or missing configuration, found before any call;
 * {@link Meshctl#FAILED} for what went wrong with a server. Immutable.
 */
public final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int exitCode;

    private CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad flag, file or configuration: exit code 2. */
    public static CliException usage(String message) {
        return new CliException(message, Meshctl.USAGE, null);
    }

    /** As {@link #usage(String)}, with its cause. */
    public static CliException usage(String message, Throwable cause) {
        return new CliException(message, Meshctl.USAGE, cause);
    }

    /** A refusal or failure: exit code 1. */
    public static CliException failed(String message) {
        return new CliException(message, Meshctl.FAILED, null);
    }

    /** The exit code meshctl returns for it. */
    public int exitCode() {
        return exitCode;
    }
}
