package io.meshid.demo.setup;

import io.meshid.common.spiffe.TrustDomain;
import java.nio.file.Path;

/** The sidecar configuration (docs/sidecar.md, "Configuration") of one demo workload. Stateless. */
final class SidecarYaml {

    private SidecarYaml() {
    }

    /**
     * {@code w}'s sidecar: attests with the join token in {@code tokenFile}, serves the Workload API on
     * {@code socket} (none when null), forwards inbound calls to {@code w}'s workload, and routes the
     * name of {@code peer} to the peer's sidecar, whose SPIFFE ID must be the peer's.
     */
    static String of(TrustDomain td, DemoWorkload w, DemoWorkload peer, String ca, String identity, String policy,
            Path bootstrapBundle, Path tokenFile, Path socket) {
        return "# " + w.name() + "'s sidecar, written by ./meshid dev (sidecar-demo's DemoSetup) at each start: docs/sidecar.md\n"
                + "identity:\n"
                + "  identity_server: " + q(identity) + "\n"
                + "  identity_server_id: " + q(DemoSetup.serverId(td, "identity-server").toString()) + "\n"
                + "  cert_authority: " + q(ca) + "\n"
                + "  cert_authority_id: " + q(DemoSetup.serverId(td, "cert-authority").toString()) + "\n"
                + "  bootstrap_bundle: " + q(bootstrapBundle.toString()) + "\n"
                + "  join_token_file: " + q(tokenFile.toString()) + "\n"
                + "  spiffe_id: " + q(w.spiffeId().toString()) + "\n"
                + (socket == null ? "" : "workload_api: {socket: " + q(socket.toString()) + "}\n")
                + "inbound: {listen: " + q(w.inbound()) + ", workload: " + q(w.workload()) + "}\n"
                + "outbound: {listen: " + q(w.outbound()) + "}\n"
                + "routes:\n"
                + "  - {name: " + q(peer.name()) + ", address: " + q(peer.inbound()) + ", spiffe_id: " + q(peer.spiffeId().toString()) + "}\n"
                + "policy:\n"
                + "  address: " + q(policy) + "\n"
                + "  spiffe_id: " + q(DemoSetup.serverId(td, "policy-server").toString()) + "\n"
                + "worker_threads: 1\n";
    }

    /** A YAML double-quoted scalar. */
    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
