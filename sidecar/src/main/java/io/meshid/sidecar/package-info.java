/**
 * The meshid sidecar: the per-workload proxy that bootstraps the workload's identity (join token
 * or Kubernetes token, then renewal over mTLS), terminates and originates mutual TLS, asks
 * policy-server for a decision on every request (local bounded cache first, deny when unknown),
 * and serves the SPIFFE Workload API to the workload.
 *
 * <p>Its process arrives with the sidecar issue, after the identity and policy servers; this
 * module exists so that the build, the wire contracts and the shared code already include it.
 * See {@code docs/architecture.md}.
 */
package io.meshid.sidecar;
