package io.meshid.common.health;

/**
 * A condition of a server's own serving path that readiness reports beside its dependencies, such
 * as "the revocation view is proven current": a bean of this type is checked in the background as
 * the database and Redis are ({@code meshid.health.probe-interval}), named in the readiness body and
 * in {@code meshid_dependency_up{dependency=<name>}}, and makes the server not ready (503) when its
 * name is in {@code meshid.health.required}, {@code DEGRADED} otherwise.
 */
public interface ServingCheck {

    /** The name readiness, the metric and {@code meshid.health.required} use, e.g. {@code revocation-view}. */
    String name();

    /**
     * Returns when the condition holds, throws (with a message for the log) when it does not. Must
     * not block for long: it runs every probe interval.
     */
    void check() throws Exception;
}
