package io.meshid.identity;

import io.meshid.common.server.MeshidServer;

/** Entry point of the identity-server process. */
public final class IdentityServerApplication {

    private IdentityServerApplication() {
    }

    public static void main(String[] args) {
        MeshidServer.run(IdentityServerApplication.class, args);
    }
}
