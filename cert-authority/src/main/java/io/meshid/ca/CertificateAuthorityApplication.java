package io.meshid.ca;

import io.meshid.common.server.MeshidServer;

/** Entry point of the cert-authority process. */
public final class CertificateAuthorityApplication {

    private CertificateAuthorityApplication() {
    }

    public static void main(String[] args) {
        MeshidServer.run(CertificateAuthorityApplication.class, args);
    }
}
