package io.meshid.sidecar.config;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * The local SPIFFE Workload API: its Unix socket and who may open it (the owner only, or the owner
 * and the socket's group). The file permissions are the only boundary: see docs/sidecar.md.
 */
public record WorkloadApiSetting(Path socket, boolean groupAccess) {

    public WorkloadApiSetting {
        Objects.requireNonNull(socket, "socket");
    }

    /** The socket file's permissions. */
    public Set<PosixFilePermission> permissions() {
        return PosixFilePermissions.fromString(groupAccess ? "rw-rw----" : "rw-------");
    }
}
