package io.meshid.ca;

import io.meshid.common.server.MeshidServer;

/** Entry point of the cert-authority process. */
public final class CertificateAuthorityApplication {

    private CertificateAuthorityApplication() {
    }

    /** Runs the CA; with {@code bootstrap ...} as arguments, the bootstrap command instead (docs/operations.md, "Bootstrap"). */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("bootstrap")) {
            io.meshid.ca.servers.Bootstrap.main(CertificateAuthorityApplication.class, java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        MeshidServer.run(CertificateAuthorityApplication.class, args);
    }
}
