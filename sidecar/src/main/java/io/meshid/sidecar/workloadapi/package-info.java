/**
 * The SPIFFE Workload API on a Unix domain socket for the workload beside the sidecar
 * ({@link io.meshid.sidecar.workloadapi.WorkloadApiServer}), serving the sidecar's X.509-SVID and
 * bundle, and JWT-SVIDs through identity-server ({@link io.meshid.sidecar.workloadapi.IdentityServerJwtAuthority}).
 */
package io.meshid.sidecar.workloadapi;
