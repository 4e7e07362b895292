package io.meshid.ca.authority;

import io.meshid.ca.keys.KeyAlgorithm;
import java.time.Duration;

/**
 * The lifetimes that drive rotation. An authority of one level rotates so that its children
 * always fit inside it: the next one is prepared (and published in the bundle) when the active
 * one has {@code childTtl + publishLead} left, activated when it has {@code childTtl} left, and
 * kept in the bundle until the last child it signed has expired.
 *
 * @param rootTtl          lifetime of a root
 * @param intermediateTtl  lifetime of an intermediate (the child of a root)
 * @param maxLeafTtl       longest leaf (the child of an intermediate)
 * @param publishLead      how long a new authority sits in the bundle before it signs
 * @param keyAlgorithm     key type of new authorities
 */
public record RotationPolicy(Duration rootTtl, Duration intermediateTtl, Duration maxLeafTtl, Duration publishLead,
        KeyAlgorithm keyAlgorithm) {

    /** Checks that each level leaves room for its children and the publication lead. */
    public RotationPolicy {
        if (intermediateTtl.compareTo(maxLeafTtl.plus(publishLead).multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("meshid.ca.intermediate-ttl: " + intermediateTtl
                    + " (expected: at least twice max-svid-ttl + publish-lead, " + maxLeafTtl.plus(publishLead).multipliedBy(2) + ")");
        }
        if (rootTtl.compareTo(intermediateTtl.plus(publishLead).multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("meshid.ca.root-ttl: " + rootTtl
                    + " (expected: at least twice intermediate-ttl + publish-lead, " + intermediateTtl.plus(publishLead).multipliedBy(2) + ")");
        }
    }

    /** How long a child of {@code level} may live. */
    Duration childTtl(Authority.Level level) {
        return level == Authority.Level.ROOT ? intermediateTtl : maxLeafTtl;
    }

    /** How long an authority of {@code level} lives. */
    Duration ttl(Authority.Level level) {
        return level == Authority.Level.ROOT ? rootTtl : intermediateTtl;
    }
}
