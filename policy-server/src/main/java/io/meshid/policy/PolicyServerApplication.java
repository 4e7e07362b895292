package io.meshid.policy;

import io.meshid.common.server.MeshidServer;

/** Entry point of the policy-server process. */
public final class PolicyServerApplication {

    private PolicyServerApplication() {
    }

    public static void main(String[] args) {
        MeshidServer.run(PolicyServerApplication.class, args);
    }
}
