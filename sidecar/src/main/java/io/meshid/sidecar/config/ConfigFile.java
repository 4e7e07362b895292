package io.meshid.sidecar.config;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.identity.Backoff;
import io.meshid.common.identity.Evidence;
import io.meshid.common.identity.IdentityConfig;
import io.meshid.sidecar.route.Route;
import io.meshid.sidecar.route.RouteTable;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the sidecar's YAML configuration file (see docs/sidecar.md). Unknown keys are errors, as
 * are missing required ones; every error names the key and what was expected. Durations are
 * ISO-8601 ({@code PT1S}). Stateless.
 *
 * <p>The SVID comes from exactly one of two sections: {@code identity} (attested from
 * identity-server with a join token file or a Kubernetes token file; the production setting) or
 * {@code svid} (PEM files that something else keeps current, with the cert-authority to watch for
 * revocations). {@code workload_api} needs
 * {@code identity}: its JWT calls go to identity-server.
 *
 * @param config      the data path's configuration
 * @param svid        where the SVID comes from
 * @param workloadApi the local Workload API, when configured
 */
public record ConfigFile(SidecarConfig config, SvidSetting svid, Optional<WorkloadApiSetting> workloadApi) {

    private static final Set<String> TOP = Set.of("svid", "identity", "workload_api", "inbound", "outbound", "routes",
            "policy", "limits", "worker_threads");
    private static final Set<String> IDENTITY = Set.of("identity_server", "identity_server_id", "cert_authority",
            "cert_authority_id", "bootstrap_bundle", "join_token_file", "kubernetes", "spiffe_id");

    /** Reads and checks {@code file}. */
    public static ConfigFile read(Path file) throws IOException {
        Object root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
        return parse(map(root, "(file)", TOP));
    }

    static ConfigFile parse(Map<String, Object> top) {
        SvidSetting svid = svidSetting(top);
        Optional<WorkloadApiSetting> workloadApi = Optional.empty();
        if (top.containsKey("workload_api")) {
            if (!(svid instanceof SvidSetting.Attested)) {
                throw new IllegalArgumentException("workload_api: needs an identity section (expected: the sidecar attests"
                        + " to identity-server, which answers the Workload API's JWT calls)");
            }
            Map<String, Object> w = map(top.get("workload_api"), "workload_api", Set.of("socket", "group_access"));
            Object group = w.getOrDefault("group_access", Boolean.FALSE);
            if (!(group instanceof Boolean g)) {
                throw new IllegalArgumentException("workload_api.group_access: " + group + " (expected: true or false)");
            }
            workloadApi = Optional.of(new WorkloadApiSetting(Path.of(string(w, "workload_api.socket")), g));
        }
        Map<String, Object> in = map(required(top, "inbound"), "inbound", Set.of("listen", "workload"));
        Map<String, Object> out = map(required(top, "outbound"), "outbound", Set.of("listen"));
        Map<String, Object> pol = map(required(top, "policy"), "policy",
                Set.of("address", "spiffe_id", "check_timeout", "cache_size", "stale_if_error", "context_headers"));
        List<Route> routes = new ArrayList<>();
        Object routeList = top.getOrDefault("routes", List.of());
        if (!(routeList instanceof List<?> list)) {
            throw new IllegalArgumentException("routes: not a list (expected: a list of {name, address, spiffe_id})");
        }
        for (Object o : list) {
            Map<String, Object> r = map(o, "routes[]", Set.of("name", "address", "spiffe_id"));
            InetSocketAddress a = address(string(r, "routes[].address"), "routes[].address");
            routes.add(new Route(string(r, "routes[].name"), a.getHostString(), a.getPort(),
                    spiffeId(string(r, "routes[].spiffe_id"), "routes[].spiffe_id")));
        }
        InetSocketAddress policyAddress = address(string(pol, "policy.address"), "policy.address");
        PolicyConfig defaults = PolicyConfig.of(policyAddress.getHostString(), policyAddress.getPort());
        PolicyConfig policy = new PolicyConfig(defaults.host(), defaults.port(),
                pol.containsKey("spiffe_id") ? spiffeId(string(pol, "policy.spiffe_id"), "policy.spiffe_id") : null,
                duration(pol, "check_timeout", defaults.checkTimeout(), "policy"),
                integer(pol, "cache_size", defaults.cacheSize(), "policy"),
                duration(pol, "stale_if_error", defaults.staleIfError(), "policy"),
                strings(pol.getOrDefault("context_headers", List.of()), "policy.context_headers"));
        Limits d = Limits.DEFAULTS;
        Map<String, Object> lim = map(top.getOrDefault("limits", Map.of()), "limits", Set.of("max_header_bytes",
                "max_initial_line_bytes", "max_body_bytes", "header_read_timeout", "idle_timeout", "response_timeout",
                "max_connections", "drain_timeout"));
        Limits limits = new Limits(integer(lim, "max_header_bytes", d.maxHeaderBytes(), "limits"),
                integer(lim, "max_initial_line_bytes", d.maxInitialLineBytes(), "limits"),
                integer(lim, "max_body_bytes", (int) Math.min(Integer.MAX_VALUE, d.maxBodyBytes()), "limits"),
                duration(lim, "header_read_timeout", d.headerReadTimeout(), "limits"),
                duration(lim, "idle_timeout", d.idleTimeout(), "limits"),
                duration(lim, "response_timeout", d.responseTimeout(), "limits"),
                integer(lim, "max_connections", d.maxConnections(), "limits"),
                duration(lim, "drain_timeout", d.drainTimeout(), "limits"));
        SidecarConfig config = new SidecarConfig(address(string(in, "inbound.listen"), "inbound.listen"),
                address(string(in, "inbound.workload"), "inbound.workload"),
                address(string(out, "outbound.listen"), "outbound.listen"), RouteTable.of(routes), policy, limits,
                integer(top, "worker_threads", 0, "(top)"));
        return new ConfigFile(config, svid, workloadApi);
    }

    private static SvidSetting svidSetting(Map<String, Object> top) {
        boolean files = top.containsKey("svid");
        boolean attested = top.containsKey("identity");
        if (files == attested) {
            throw new IllegalArgumentException((files ? "svid and identity: both present" : "svid or identity: missing")
                    + " (expected: exactly one: identity to attest to identity-server, or svid for PEM files)");
        }
        if (files) {
            Map<String, Object> svid = map(top.get("svid"), "svid",
                    Set.of("cert", "key", "bundle", "cert_authority", "cert_authority_id"));
            // No default: without cert-authority the sidecar could not know revocations, and unknown means deny.
            address(string(svid, "svid.cert_authority"), "svid.cert_authority");
            return new SvidSetting.Files(Path.of(string(svid, "svid.cert")), Path.of(string(svid, "svid.key")),
                    Path.of(string(svid, "svid.bundle")), string(svid, "svid.cert_authority"),
                    spiffeId(string(svid, "svid.cert_authority_id"), "svid.cert_authority_id"));
        }
        Map<String, Object> id = map(top.get("identity"), "identity", IDENTITY);
        Evidence evidence;
        if (id.containsKey("join_token_file") == id.containsKey("kubernetes")) {
            throw new IllegalArgumentException("identity: " + (id.containsKey("kubernetes") ? "both join_token_file and kubernetes"
                    : "neither join_token_file nor kubernetes") + " (expected: exactly one way to attest)");
        }
        if (id.containsKey("join_token_file")) {
            evidence = new Evidence.JoinToken(joinToken(Path.of(string(id, "identity.join_token_file"))));
        } else {
            Map<String, Object> k = map(id.get("kubernetes"), "identity.kubernetes", Set.of("cluster", "token_file"));
            evidence = new Evidence.Kubernetes(string(k, "identity.kubernetes.cluster"),
                    Path.of(string(k, "identity.kubernetes.token_file")));
        }
        Optional<SpiffeId> wanted = id.containsKey("spiffe_id")
                ? Optional.of(spiffeId(string(id, "identity.spiffe_id"), "identity.spiffe_id")) : Optional.empty();
        try {
            return new SvidSetting.Attested(new IdentityConfig(string(id, "identity.identity_server"),
                    spiffeId(string(id, "identity.identity_server_id"), "identity.identity_server_id"),
                    string(id, "identity.cert_authority"),
                    spiffeId(string(id, "identity.cert_authority_id"), "identity.cert_authority_id"),
                    Path.of(string(id, "identity.bootstrap_bundle")), evidence, wanted, Backoff.DEFAULT,
                    Clock.systemUTC()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("identity: " + e.getMessage(), e);
        }
    }

    /** The join token from its file (kept out of the configuration, which is not a secret). */
    private static String joinToken(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("identity.join_token_file: " + file + " cannot be read (" + e.getMessage()
                    + "; expected: a file holding the join token)", e);
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("identity.join_token_file: " + file + " is empty (expected: the join token)");
        }
        return token;
    }

    private static Object required(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException(key + ": missing (expected: a section, see docs/sidecar.md)");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String where, Set<String> allowed) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(where + ": not a mapping (expected: keys " + allowed + ")");
        }
        for (Object k : m.keySet()) {
            if (!allowed.contains(String.valueOf(k))) {
                throw new IllegalArgumentException(where + ": unknown key \"" + k + "\" (expected one of: " + allowed + ")");
            }
        }
        return (Map<String, Object>) m;
    }

    private static String string(Map<String, Object> m, String key) {
        String name = key.substring(key.lastIndexOf('.') + 1);
        Object v = m.get(name);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(key + ": " + v + " (expected: a non-empty string)");
        }
        return s;
    }

    private static int integer(Map<String, Object> m, String key, int dflt, String where) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException(where + "." + key + ": " + v + " (expected: an integer)");
        }
        return i;
    }

    private static Duration duration(Map<String, Object> m, String key, Duration dflt, String where) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Duration.parse(String.valueOf(v));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + "." + key + ": " + v + " (expected: an ISO-8601 duration such as PT1S)");
        }
    }

    private static List<String> strings(Object o, String key) {
        if (!(o instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new IllegalArgumentException(key + ": " + o + " (expected: a list of strings)");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static SpiffeId spiffeId(String s, String key) {
        try {
            return SpiffeId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    private static InetSocketAddress address(String s, String key) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(key + ": \"" + s + "\" (expected: host:port)");
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65_535) {
                throw new NumberFormatException();
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": \"" + s + "\" (expected: host:port with a port of 0 to 65535)");
        }
    }
}
