package io.meshid.sidecar.route;

import io.meshid.common.spiffe.SpiffeId;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One outbound route: the service name the app uses in {@code Host} / {@code :authority}, the
 * address of the target's sidecar (its inbound mTLS listener), and the SPIFFE ID that sidecar must
 * present. Immutable and thread-safe.
 */
public record Route(String name, String host, int port, SpiffeId expectedId) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    public Route {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(expectedId, "expectedId");
        name = name.toLowerCase(Locale.ROOT);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("route name: \"" + name
                    + "\" (expected: a DNS-style name of lowercase letters, digits, '.' and '-')");
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("route " + name + ": host is empty (expected: a host name or IP address)");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("route " + name + ": port " + port + " (expected: 1 to 65535)");
        }
    }
}
