package io.meshid.policy.store;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.validation.ValidationError;
import io.meshid.policy.validation.ValidationReport;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The policy store: per trust domain, immutable versions of a policy set numbered 1, 2, 3, ...
 * One version is active, at most one other is the shadow. Every write validates first (nothing
 * invalid is stored), is committed before it returns, is written to the audit trail, and is
 * announced to the other replicas ({@link #CHANNEL} on the shared store). Callers authorize
 * before calling. This interface is thread-safe.
 *
 * <p>Failures: {@link PolicySetInvalidException} (the set does not validate),
 * {@link VersionMismatchException} (expected version is not the latest), and the
 * {@link io.meshid.common.errors.MeshidException} subtypes InvalidArgument, NotFound and
 * Unavailable.
 */
public interface PolicyStore {

    /** The shared-store channel on which a write announces {@code <trust domain> <version>}. */
    String CHANNEL = "policy:versions";

    /** Most characters of a comment. */
    int MAX_COMMENT = 1024;

    /** Validates and stores {@code params.source()} as a new version, active or shadow. */
    PutResult put(PutParams params);

    /** Validates {@code source} exactly as {@link #put} does, storing nothing. */
    ValidationReport validate(PolicySetSource source);

    /** One version: a given number, else the shadow one with {@code shadow}, else the active one. */
    StoredPolicySet get(TrustDomain domain, OptionalLong version, boolean shadow);

    /** A page of version metadata, newest first. */
    VersionPage list(TrustDomain domain, int pageSize, String pageToken);

    /** A new active version that copies {@code params.targetVersion()}; ends any shadow. */
    VersionInfo rollback(RollbackParams params);

    /** The heads of every trust domain that has versions (one cheap query). */
    List<Heads> heads();

    /** The heads of one trust domain (all zero when it has none). */
    Heads heads(TrustDomain domain);

    /** A stored version, if it exists. */
    Optional<StoredPolicySet> version(TrustDomain domain, long version);

    /** What a put asks for. */
    record PutParams(TrustDomain trustDomain, PolicySetSource source, String comment, SpiffeId author,
            OptionalLong expectedVersion, boolean shadow) {
        public PutParams {
            Objects.requireNonNull(trustDomain, "trustDomain");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(comment, "comment");
            Objects.requireNonNull(author, "author");
            Objects.requireNonNull(expectedVersion, "expectedVersion");
        }
    }

    /** What a put made: the new version and the validator's warnings. */
    record PutResult(VersionInfo version, List<ValidationError> warnings) {
        public PutResult {
            warnings = List.copyOf(warnings);
        }
    }

    /** What a rollback asks for; an empty comment becomes "rollback to version N". */
    record RollbackParams(TrustDomain trustDomain, long targetVersion, String comment, SpiffeId author,
            OptionalLong expectedVersion) {
        public RollbackParams {
            Objects.requireNonNull(trustDomain, "trustDomain");
            Objects.requireNonNull(comment, "comment");
            Objects.requireNonNull(author, "author");
            Objects.requireNonNull(expectedVersion, "expectedVersion");
        }
    }

    /** One page of versions, the token of the next one, and the current active and shadow numbers. */
    record VersionPage(List<VersionInfo> versions, Optional<String> nextPageToken, long activeVersion, long shadowVersion) {
        public VersionPage {
            versions = List.copyOf(versions);
        }
    }
}
