package io.meshid.common.spiffe;

import io.meshid.common.errors.MeshidException;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The SPIFFE IDs that no public rpc may register or have signed, in every trust domain: every path
 * under {@code /meshid/} (meshid's own servers: a CA signer there signs for every tenant), and the
 * configured signer and admin paths. Paths compare without regard to ASCII case, so
 * {@code /MESHID/identity-server} is as reserved as {@code /meshid/identity-server}; anything else a
 * reader could mistake for them ({@code /meshid/../x}, {@code %2F}, a trailing slash) does not parse
 * as a {@link SpiffeId} at all. Only the CA process itself issues reserved identities, through its
 * internal path. Immutable and thread-safe.
 */
public final class ReservedIdentities {

    /** The first path segment kept for meshid's own identities. */
    public static final String MESHID_SEGMENT = "meshid";

    private final Set<String> paths;

    /**
     * Reserves {@code /meshid/*} and the given paths (such as {@code meshid.admin-paths} and
     * {@code meshid.ca.signers}).
     */
    public ReservedIdentities(Collection<String> paths) {
        Set<String> lower = new TreeSet<>();
        paths.forEach(p -> lower.add(p.toLowerCase(Locale.ROOT)));
        this.paths = Set.copyOf(lower);
    }

    /** True when {@code id} is reserved for meshid itself. */
    public boolean isReserved(SpiffeId id) {
        var segments = id.segments();
        if (!segments.isEmpty() && segments.get(0).equalsIgnoreCase(MESHID_SEGMENT)) {
            return true;
        }
        return paths.contains(id.path().toLowerCase(Locale.ROOT));
    }

    /**
     * Refuses a reserved {@code id} in a public request.
     *
     * @param field the request field that named it, for the message
     * @throws MeshidException.PermissionDenied naming the ID and what is reserved
     */
    public void refuse(String field, SpiffeId id) {
        if (isReserved(id)) {
            throw new MeshidException.PermissionDenied(field + ": " + id + " is reserved for meshid itself (reserved in every trust"
                    + " domain: /" + MESHID_SEGMENT + "/*" + (paths.isEmpty() ? "" : " and " + paths) + ", in any letter case; "
                    + "only cert-authority issues them, never through a public rpc; expected: a workload ID such as "
                    + id.trustDomain().idString() + "/ns/<namespace>/sa/<service-account>)");
        }
    }

    /** The configured paths besides {@code /meshid/*}, lowercased. */
    public Set<String> paths() {
        return paths;
    }
}
