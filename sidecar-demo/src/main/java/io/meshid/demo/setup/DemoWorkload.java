package io.meshid.demo.setup;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;

/**
 * One workload of the dev demo and the addresses of it and its sidecar.
 *
 * @param name        its route name (what callers put in {@code Host})
 * @param main        the workload's main class
 * @param spiffeId    its SPIFFE ID: {@code spiffe://<trust domain>/demo/<name>}
 * @param workload    where the workload listens (loopback, plaintext), host:port
 * @param inbound     its sidecar's mutual-TLS listener, host:port
 * @param outbound    its sidecar's plaintext listener for the workload, host:port
 */
public record DemoWorkload(String name, String main, SpiffeId spiffeId, String workload, String inbound, String outbound) {

    /** The SPIFFE ID of the demo workload {@code name}. */
    static SpiffeId idOf(TrustDomain trustDomain, String name) {
        return SpiffeId.of(trustDomain, "/demo/" + name);
    }
}
