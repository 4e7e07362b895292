/**
 * A process's own identity, obtained and kept fresh over the wire: attestation with a join token or
 * a Kubernetes token, keys made and kept in memory, renewal at half life over mutual TLS, and the
 * trust bundle pushed by cert-authority's {@code WatchTrustBundle}, all behind one
 * {@link io.meshid.common.tls.SvidSource} ({@link io.meshid.common.identity.AttestedSvidSource}).
 *
 * <p>The sidecar attests to identity-server's {@code IdentityService}; identity-server and
 * policy-server attest with the same client to cert-authority, which serves the same two rpcs
 * ({@code Attest}, {@code RenewX509Svid}) for the servers' reserved identities only (see
 * docs/operations.md, "Bootstrap").
 */
package io.meshid.common.identity;
