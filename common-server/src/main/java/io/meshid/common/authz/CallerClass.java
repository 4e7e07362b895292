package io.meshid.common.authz;

/**
 * Who may call an rpc, as an {@link AuthorizationTable} names it: classes of callers that depend
 * only on the caller, never on the request. Rules that read the request (a sidecar renews only its
 * own SVID, an admin acts only in its own trust domain) stay in the domain and read the
 * {@link Grant} the table gave. A rule lists one or more classes; a caller in any of them passes.
 */
public enum CallerClass {

    /** Anyone, with or without a client X.509-SVID (Attest, health). */
    ANONYMOUS,

    /** Any caller with a verified X.509-SVID. */
    AUTHENTICATED,

    /** An admin of its own trust domain, by {@link Admins}' one definition. */
    ADMIN,

    /** An admin of the system trust domain ({@code meshid.trust-domain}), the one meshid's servers run in. */
    SYSTEM_ADMIN,

    /**
     * A signer: an identity the server trusts to have SVIDs signed for others, such as
     * identity-server on cert-authority ({@link SignerIdentities}). Nobody, on a server without one.
     */
    SIGNER
}
