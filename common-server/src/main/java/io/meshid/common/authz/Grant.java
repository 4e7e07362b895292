package io.meshid.common.authz;

import io.grpc.Context;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the {@link AuthorizationInterceptor} granted the call being served: its verified caller
 * and the {@link CallerClass}es of the method's rule that the caller is in. Request-dependent
 * rules (tenant scoping, own identity only) read it instead of asking again. Immutable.
 *
 * @param caller  the verified caller
 * @param classes the classes of the rule the caller matched (at least one)
 */
public record Grant(SpiffeId caller, Set<CallerClass> classes) {

    static final Context.Key<Grant> KEY = Context.key("meshid-authz-grant");

    /** Copies the classes. */
    public Grant {
        classes = classes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(classes));
    }

    /**
     * The grant of the current call. Deny by default: without the authorization interceptor (an
     * endpoint wired without it) or without a caller, there is none.
     *
     * @throws MeshidException.Unauthenticated when the call has no authenticated, authorized caller
     */
    public static Grant current() {
        Grant grant = KEY.get();
        if (grant == null) {
            throw new MeshidException.Unauthenticated(
                    "no authorized caller (expected: mutual TLS with an X.509-SVID, through the server's authorization table)");
        }
        return grant;
    }

    /** The grant of the current call, if any. */
    public static Optional<Grant> find() {
        return Optional.ofNullable(KEY.get());
    }

    /** Whether the caller is in {@code callerClass} (and the rule allowed that class). */
    public boolean has(CallerClass callerClass) {
        return classes.contains(callerClass);
    }

    /**
     * Tenant scoping: the caller, who must hold an identity of {@code domain}. {@code action}
     * completes the sentence "caller … may not …".
     *
     * @throws MeshidException.PermissionDenied for a caller of another trust domain
     */
    public SpiffeId requireMemberOf(TrustDomain domain, String action) {
        if (!caller.memberOf(domain)) {
            throw new MeshidException.PermissionDenied("caller " + caller + " may not " + action + " in " + domain
                    + " (expected: an identity of " + domain + "; an admin administers its own trust domain only)");
        }
        return caller;
    }
}
