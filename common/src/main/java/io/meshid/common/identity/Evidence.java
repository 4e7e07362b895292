package io.meshid.common.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the sidecar proves itself with to identity-server's {@code Attest}: a single-use join token,
 * or a Kubernetes projected service account token read from its file at every attestation (the
 * kubelet rotates that file). {@link #toString()} never shows a token. Immutable and thread-safe.
 */
public sealed interface Evidence {

    /** Whether attesting again with this evidence can work (a join token is used up by the first attestation). */
    boolean reusable();

    /** A join token from {@code RegistryService.CreateJoinToken}; 1 to 256 characters. */
    record JoinToken(String token) implements Evidence {
        public JoinToken {
            Objects.requireNonNull(token, "token");
            if (token.isBlank() || token.length() > 256) {
                throw new IllegalArgumentException("join token: " + token.length()
                        + " characters (expected: 1 to 256 non-blank characters)");
            }
        }

        @Override
        public boolean reusable() {
            return false;
        }

        @Override
        public String toString() {
            return "JoinToken[****]";
        }
    }

    /** A Kubernetes projected service account token in {@code tokenFile}, for the identity-server-configured {@code cluster}. */
    record Kubernetes(String cluster, Path tokenFile) implements Evidence {
        public Kubernetes {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(tokenFile, "tokenFile");
            if (cluster.isEmpty() || cluster.length() > 63) {
                throw new IllegalArgumentException("kubernetes cluster: \"" + cluster + "\" (expected: 1 to 63 characters)");
            }
        }

        @Override
        public boolean reusable() {
            return true;
        }

        /** The token as the file holds it now, trimmed. */
        String readToken() throws IOException {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (token.isEmpty() || token.length() > 8192) {
                throw new IOException("kubernetes token file " + tokenFile + ": " + token.length()
                        + " characters (expected: a JWT of 1 to 8192 characters)");
            }
            return token;
        }
    }
}
