package io.meshid.policy.validation;

import com.cedarpolicy.model.DetailedError;
import java.util.regex.Pattern;

/**
 * Maps the findings of Cedar's validator to the codes of {@code meshid.policy.v1.ValidationError}.
 * cedar-java 4.10 reports no machine-readable code, so the mapping reads Cedar's messages; what
 * it does not recognise is {@code validation_error}. Thread-safe (stateless).
 */
final class CedarCodes {

    private static final Pattern FOR_POLICY = Pattern.compile("^for (policy|template) `[^`]*`, ");

    private CedarCodes() {
    }

    static String code(String message) {
        String m = message == null ? "" : message;
        if (m.contains("unrecognized entity type")) {
            return "unknown_entity_type";
        }
        if (m.contains("unrecognized action")) {
            return "unknown_action";
        }
        if (m.contains("attribute") && m.contains("not found")) {
            return "unknown_attribute";
        }
        if (m.contains("types") && m.contains("not compatible") || m.contains("unexpected type")
                || m.contains("type error") || m.contains("incompatible type")) {
            return "type_error";
        }
        return "validation_error";
    }

    /** Cedar's message without its "for policy `x`, " prefix (the id is a field of its own), with the help appended. */
    static String message(DetailedError e) {
        String message = FOR_POLICY.matcher(String.valueOf(e.message)).replaceFirst("");
        String help = e.help.map(h -> FOR_POLICY.matcher(h).replaceFirst("")).orElse("");
        return help.isBlank() ? message : message + " (" + help + ")";
    }
}
