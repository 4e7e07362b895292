package io.meshid.sidecar.decision;

/**
 * The outcome of a decision for the data path: allowed or not, and why, for the log and the
 * refusal body (never the policy text). Immutable.
 */
public record Verdict(boolean allowed, String reason) {

    static Verdict allow(String reason) {
        return new Verdict(true, reason);
    }

    static Verdict deny(String reason) {
        return new Verdict(false, reason);
    }
}
