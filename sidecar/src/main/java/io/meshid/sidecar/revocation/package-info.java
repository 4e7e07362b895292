/**
 * Revocation on the data path: the revoked serials of the trust domain as cert-authority's bundle
 * CRLs say ({@code RevocationList}, fed by {@code RevocationWatch}), checked in every handshake of
 * both listeners and again on every request of an open connection.
 */
package io.meshid.sidecar.revocation;
