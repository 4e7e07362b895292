package io.meshid.sidecar.config;

import io.meshid.sidecar.route.RouteTable;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Everything the sidecar's data path needs besides its identity: the inbound mTLS listener and the
 * workload behind it, the app's plaintext outbound listener and its routes, policy-server, and the
 * limits. Immutable and thread-safe. Port 0 in a listen address takes a free port
 * ({@code Sidecar.inboundAddress()} tells which).
 *
 * @param inboundListen  where peers' sidecars connect with mutual TLS
 * @param workload       the workload's local plaintext HTTP port that inbound requests are forwarded to
 * @param outboundListen where the app connects in plaintext (should be a loopback address)
 * @param routes         outbound routes by service name
 * @param policy         policy-server
 * @param limits         per-connection and per-request bounds
 * @param workerThreads  event-loop threads (0: one per core, at most 4)
 */
public record SidecarConfig(InetSocketAddress inboundListen, InetSocketAddress workload,
        InetSocketAddress outboundListen, RouteTable routes, PolicyConfig policy, Limits limits, int workerThreads) {

    public SidecarConfig {
        Objects.requireNonNull(inboundListen, "inboundListen");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(outboundListen, "outboundListen");
        Objects.requireNonNull(routes, "routes");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(limits, "limits");
        if (workerThreads < 0 || workerThreads > 64) {
            throw new IllegalArgumentException("worker_threads: " + workerThreads + " (expected: 0 to 64)");
        }
    }

    public SidecarConfig withLimits(Limits newLimits) {
        return new SidecarConfig(inboundListen, workload, outboundListen, routes, policy, newLimits, workerThreads);
    }

    public SidecarConfig withPolicy(PolicyConfig newPolicy) {
        return new SidecarConfig(inboundListen, workload, outboundListen, routes, newPolicy, limits, workerThreads);
    }

    public SidecarConfig withRoutes(RouteTable newRoutes) {
        return new SidecarConfig(inboundListen, workload, outboundListen, newRoutes, policy, limits, workerThreads);
    }
}
