package io.meshid.identity.exchange;

import java.util.List;

/**
 * A configured exchange rule ({@code meshid.identity.exchange.rules.<name>}): the acting party
 * (always the caller) may exchange tokens of the matching subjects, for the listed audiences only
 * when some are listed. Patterns are exact, or end in {@code *} to match any value with that
 * prefix. Immutable.
 *
 * @param name        the rule's name, for the audit trail
 * @param actors      who may act (SPIFFE IDs or patterns)
 * @param subjects    for whom (subject token {@code sub} values or patterns)
 * @param audiences   the audiences and resources the new token may have; empty: any
 * @param impersonate whether the new token may be the subject's own, with no {@code act} naming the
 *                    actor (impersonation, JWT-SVIDs included); otherwise the rule allows
 *                    delegation only
 */
public record DelegationRule(String name, List<String> actors, List<String> subjects, List<String> audiences, boolean impersonate) {

    /** Copies the lists. */
    public DelegationRule {
        actors = List.copyOf(actors);
        subjects = List.copyOf(subjects);
        audiences = List.copyOf(audiences);
    }

    /** Whether this rule lets {@code actor} act for {@code subject} toward every one of {@code targets}. */
    boolean allows(String actor, String subject, List<String> targets) {
        return matchesAny(actors, actor) && matchesAny(subjects, subject)
                && (audiences.isEmpty() || targets.stream().allMatch(t -> matchesAny(audiences, t)));
    }

    private static boolean matchesAny(List<String> patterns, String value) {
        for (String p : patterns) {
            if (p.endsWith("*") ? value.startsWith(p.substring(0, p.length() - 1)) : p.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
