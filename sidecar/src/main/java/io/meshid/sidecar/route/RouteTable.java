package io.meshid.sidecar.route;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The outbound route table: service name to {@link Route}. A request's {@code Host} or
 * {@code :authority} picks the route by its name, ignoring a port and letter case; a name that is
 * not in the table has no route, and the sidecar refuses the request (it never forwards in
 * plaintext or to a guessed address). Immutable and thread-safe.
 */
public final class RouteTable {

    private final Map<String, Route> byName;

    private RouteTable(Map<String, Route> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** A table of {@code routes}; two routes with one name are a configuration error. */
    public static RouteTable of(List<Route> routes) {
        Map<String, Route> map = new HashMap<>();
        for (Route route : routes) {
            if (map.putIfAbsent(route.name(), route) != null) {
                throw new IllegalArgumentException("routes: \"" + route.name() + "\" appears twice (expected: unique names)");
            }
        }
        return new RouteTable(map);
    }

    /** The route for an authority ({@code name} or {@code name:port}), if any. */
    public Optional<Route> lookup(String authority) {
        if (authority == null || authority.isEmpty() || authority.length() > 260) {
            return Optional.empty();
        }
        String name = authority;
        int colon = name.lastIndexOf(':');
        if (colon >= 0 && name.indexOf(']') < 0) {
            name = name.substring(0, colon);
        }
        return Optional.ofNullable(byName.get(name.toLowerCase(Locale.ROOT)));
    }

    /** All routes. */
    public List<Route> routes() {
        return List.copyOf(byName.values());
    }
}
