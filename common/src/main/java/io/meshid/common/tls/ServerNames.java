package io.meshid.common.tls;

import io.meshid.common.spiffe.DnsNames;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The names a server is reached at ({@code meshid.tls.server-names}), split as its certificate
 * needs them: IP literals (IPv4 dotted quad, or IPv6 with a ':') become IP SANs, every other value
 * a DNS SAN. Nothing is resolved. Stateless and thread-safe.
 */
public final class ServerNames {

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    static final int MAX = 16;

    private ServerNames() {
    }

    /** Whether {@code name} is an IP literal. */
    public static boolean isIpLiteral(String name) {
        return IPV4.matcher(name).matches() || (name.contains(":") && IPV6.matcher(name).matches());
    }

    /** The DNS names among {@code names}. */
    public static List<String> dnsNames(List<String> names) {
        return names.stream().filter(n -> !isIpLiteral(n)).toList();
    }

    /** The IP literals among {@code names}, checked again (they reach the certificate builder). */
    public static List<String> ipAddresses(List<String> names) {
        for (String n : names) {
            if (!isIpLiteral(n)) {
                throw new IllegalArgumentException("ip address: '" + n + "' (expected: an IPv4 or IPv6 literal)");
            }
        }
        return List.copyOf(names);
    }

    /** Checks a configured list; fails start-up naming {@code key}, the value and what was expected. */
    static List<String> check(String key, List<String> names) {
        if (names.size() > MAX) {
            throw new ConfigurationException(key + ": " + names.size() + " names (expected: at most " + MAX + ")");
        }
        for (String n : names) {
            if (!isIpLiteral(n)) {
                try {
                    DnsNames.check(List.of(n), 1);
                } catch (RuntimeException e) {
                    throw new ConfigurationException(key + ": '" + n + "' (expected: a lowercase DNS name such as localhost or "
                            + "id.example.org, or an IP literal such as 127.0.0.1 or ::1)");
                }
            }
        }
        return List.copyOf(names);
    }
}
