package io.meshid.identity.exchange;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.List;

/**
 * One configured exchange rule ({@code meshid.identity.exchange.rules.<name>.*}): {@code actors}
 * may act for {@code subjects}, toward {@code audiences} if listed. See {@link DelegationRule}.
 */
@EachProperty(ExchangeConfig.PREFIX + ".rules")
public final class ExchangeRuleConfig {

    private final String name;
    private List<String> actors = List.of();
    private List<String> subjects = List.of();
    private List<String> audiences = List.of();
    private boolean impersonate;

    ExchangeRuleConfig(@Parameter String name) {
        this.name = name;
    }

    private String key(String suffix) {
        return ExchangeConfig.PREFIX + ".rules." + name + "." + suffix;
    }

    /** Who may act (SPIFFE IDs, or prefixes ending in {@code *}); required. */
    public List<String> getActors() {
        return actors;
    }

    public void setActors(List<String> actors) {
        this.actors = patterns(key("actors"), actors);
    }

    /** For whom ({@code sub} values, or prefixes ending in {@code *}); required. */
    public List<String> getSubjects() {
        return subjects;
    }

    public void setSubjects(List<String> subjects) {
        this.subjects = patterns(key("subjects"), subjects);
    }

    /** Toward which audiences (or prefixes ending in {@code *}); empty: any. */
    public List<String> getAudiences() {
        return audiences;
    }

    public void setAudiences(List<String> audiences) {
        this.audiences = patterns(key("audiences"), audiences);
    }

    /**
     * Whether the rule allows impersonation: a token of the subject with no {@code act} naming the
     * actor, JWT-SVIDs included ({@code impersonate}, default false: delegation only). Every such
     * exchange is audited as impersonation.
     */
    public boolean isImpersonate() {
        return impersonate;
    }

    public void setImpersonate(boolean impersonate) {
        this.impersonate = impersonate;
    }

    /** The rule, after checking that its required keys are set. */
    DelegationRule rule() {
        if (actors.isEmpty() || subjects.isEmpty()) {
            throw new ConfigurationException(key(actors.isEmpty() ? "actors" : "subjects") + ": empty (expected: at least one value)");
        }
        return new DelegationRule(name, actors, subjects, audiences, impersonate);
    }

    private static List<String> patterns(String key, List<String> values) {
        for (String v : values) {
            if (v == null || v.isBlank() || v.equals("*") || v.length() > 2048 || v.indexOf('*') >= 0 && v.indexOf('*') != v.length() - 1) {
                throw new ConfigurationException(key + ": '" + v + "' (expected: a value, or a prefix ending in a single '*'; "
                        + "a lone '*' is refused)");
            }
        }
        return List.copyOf(values);
    }
}
