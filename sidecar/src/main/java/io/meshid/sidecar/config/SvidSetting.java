package io.meshid.sidecar.config;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.identity.IdentityConfig;
import java.nio.file.Path;
import java.util.Objects;

/** Where the sidecar's SVID comes from: attested from identity-server (production) or PEM files. */
public sealed interface SvidSetting {

    /**
     * PEM files written by something else (re-read when they change): tests, or an external agent;
     * revocations come from cert-authority at {@code certAuthority} ({@code host:port}), which must
     * present {@code certAuthorityId}.
     */
    record Files(Path cert, Path key, Path bundle, String certAuthority, SpiffeId certAuthorityId) implements SvidSetting {
        public Files {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(bundle, "bundle");
            Objects.requireNonNull(certAuthority, "certAuthority");
            Objects.requireNonNull(certAuthorityId, "certAuthorityId");
        }
    }

    /** Attested with a join token or a Kubernetes token, keys in memory, renewed at half life. */
    record Attested(IdentityConfig identity) implements SvidSetting {
        public Attested {
            Objects.requireNonNull(identity, "identity");
        }
    }
}
