/**
 * The sidecar's own identity: attestation to identity-server with a join token or a Kubernetes
 * token, keys made and kept in memory, renewal at half life over mutual TLS, and the trust bundle
 * pushed by cert-authority's {@code WatchTrustBundle}, all behind one
 * {@link io.meshid.common.tls.SvidSource} ({@link io.meshid.sidecar.identity.AttestedSvidSource})
 * that the sidecar's listeners and the Workload API read.
 */
package io.meshid.sidecar.identity;
