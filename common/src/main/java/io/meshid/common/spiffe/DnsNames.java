package io.meshid.common.spiffe;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The DNS names meshid puts in X.509-SVIDs beside the SPIFFE ID: lowercase RFC 1123 host names of
 * at most 253 characters, no wildcards. One rule for the registry and the CA.
 */
public final class DnsNames {

    private static final Pattern NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private DnsNames() {
    }

    /**
     * Returns the names unchanged when there are at most {@code max} of them and each is valid.
     *
     * @throws InvalidArgument naming the field {@code dns_names}, the bad value and what was expected
     */
    public static List<String> check(List<String> names, int max) {
        if (names.size() > max) {
            throw new InvalidArgument("dns_names: " + names.size() + " names (expected: at most " + max + ")");
        }
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                String shown = name.length() > 80 ? name.substring(0, 80) + "…" : name;
                throw new InvalidArgument("dns_names: '" + shown.replaceAll("\\p{Cntrl}", "?")
                        + "' (expected: a lowercase DNS name such as api.payments.svc, no wildcards)");
            }
        }
        return List.copyOf(names);
    }
}
