package io.meshid.sidecar.config;

import io.meshid.sidecar.identity.IdentityConfig;
import java.nio.file.Path;
import java.util.Objects;

/** Where the sidecar's SVID comes from: attested from identity-server (production) or PEM files. */
public sealed interface SvidSetting {

    /** PEM files written by something else (re-read when they change): tests, or an external agent. */
    record Files(Path cert, Path key, Path bundle) implements SvidSetting {
        public Files {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(bundle, "bundle");
        }
    }

    /** Attested with a join token or a Kubernetes token, keys in memory, renewed at half life. */
    record Attested(IdentityConfig identity) implements SvidSetting {
        public Attested {
            Objects.requireNonNull(identity, "identity");
        }
    }
}
