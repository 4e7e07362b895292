/**
 * Mutual TLS with X.509-SVIDs, as every meshid control-plane gRPC call and the sidecar use it.
 *
 * <ul>
 *   <li>Values: {@link io.meshid.common.tls.X509Svid} (a workload's certificate chain and key),
 *       {@link io.meshid.common.tls.X509Bundle} (a trust domain's authorities), {@link io.meshid.common.tls.Pem}.
 *   <li>Checks: {@link io.meshid.common.tls.SvidVerifier} applies PKIX path validation and the SPIFFE
 *       X.509-SVID rules to a peer's chain.
 *   <li>Sources: {@link io.meshid.common.tls.SvidSource} hands out the current SVID and bundle and tells
 *       listeners when they change ({@link io.meshid.common.tls.StaticSvidSource} in memory,
 *       {@link io.meshid.common.tls.PemFileSvidSource} from files that another process renews).
 *   <li>TLS: {@link io.meshid.common.tls.SvidKeyManager} and {@link io.meshid.common.tls.SpiffeTrustManager}
 *       read the source on every handshake, so rotation needs no restart;
 *       {@link io.meshid.common.tls.TlsContexts} builds gRPC (Netty) and JDK contexts on them.
 *   <li>Servers: {@link io.meshid.common.tls.CallerIdentityInterceptor} puts the caller's SPIFFE ID in the
 *       gRPC context, {@link io.meshid.common.tls.CallerIdentity} and {@link io.meshid.common.tls.Callers}
 *       read and authorize it, and {@link io.meshid.common.tls.TlsConfig} ({@code meshid.tls.*}) wires it
 *       into every Micronaut gRPC server.
 * </ul>
 */
package io.meshid.common.tls;
