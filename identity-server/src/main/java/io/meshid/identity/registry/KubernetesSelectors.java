package io.meshid.identity.registry;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code k8s} selectors and the rule an entry that uses them must follow: exactly one
 * {@code k8s:cluster:<name>} (the cluster's name under {@code meshid.identity.kubernetes.clusters}),
 * exactly one {@code k8s:ns:<namespace>}, at most one {@code k8s:sa:<service-account>}, nothing
 * else of type {@code k8s}. So a Kubernetes entry never matches a workload of another cluster, and
 * a service-account selector never matches across namespaces. Attestation asks for the cluster
 * and namespace facts as required and the service account as optional
 * ({@link Registry#entriesMatching}), so an entry stored before this rule (without a cluster)
 * matches nothing. Stateless; thread-safe.
 */
public final class KubernetesSelectors {

    /** The selector type. */
    public static final String TYPE = "k8s";
    private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final String EXPECTED = "expected: exactly one k8s:cluster:<name> (a cluster configured under "
            + "meshid.identity.kubernetes.clusters), exactly one k8s:ns:<namespace>, and at most one k8s:sa:<service-account>";

    private KubernetesSelectors() {
    }

    /** {@code k8s:cluster:<name>}. */
    public static Selector cluster(String name) {
        return new Selector(TYPE, "cluster:" + name);
    }

    /** {@code k8s:ns:<namespace>}. */
    public static Selector namespace(String namespace) {
        return new Selector(TYPE, "ns:" + namespace);
    }

    /** {@code k8s:sa:<service-account>}. */
    public static Selector serviceAccount(String name) {
        return new Selector(TYPE, "sa:" + name);
    }

    /** Refuses {@code selectors} whose {@code k8s} ones break the rule above; others are not looked at. */
    static void check(List<Selector> selectors) {
        List<Selector> k8s = selectors.stream().filter(s -> TYPE.equals(s.type())).toList();
        if (k8s.isEmpty()) {
            return;
        }
        int clusters = 0;
        int namespaces = 0;
        int accounts = 0;
        for (Selector s : k8s) {
            String v = s.value();
            if (v.startsWith("cluster:")) {
                clusters++;
                if (!CLUSTER.matcher(v.substring("cluster:".length())).matches()) {
                    throw new InvalidArgument("selector " + s + ": not a cluster name (expected: 1 to 63 lowercase letters, digits "
                            + "or '-', as under meshid.identity.kubernetes.clusters)");
                }
            } else if (v.startsWith("ns:")) {
                namespaces++;
            } else if (v.startsWith("sa:")) {
                accounts++;
            } else {
                throw new InvalidArgument("selector " + s + ": unknown k8s selector (" + EXPECTED + ")");
            }
        }
        if (clusters != 1) {
            throw new InvalidArgument("selectors: " + k8s + " name " + clusters + " Kubernetes clusters (" + EXPECTED + ")");
        }
        if (namespaces != 1) {
            throw new InvalidArgument("selectors: " + k8s + " name " + namespaces + " namespaces; a service-account selector must "
                    + "not match across namespaces (" + EXPECTED + ")");
        }
        if (accounts > 1) {
            throw new InvalidArgument("selectors: " + k8s + " name " + accounts + " service accounts (" + EXPECTED + ")");
        }
    }
}
