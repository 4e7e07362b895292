package io.meshid.ca.authority;

import io.meshid.ca.keys.Signer;
import io.meshid.common.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * One CA key and its certificate in a trust domain: a root or an intermediate, at one stage of
 * its life. Immutable: a change of state is a new instance.
 *
 * @param id           stable id (hex of the certificate's subject key identifier)
 * @param trustDomain  the trust domain it signs for
 * @param level        root or intermediate
 * @param parentId     the root that signed an intermediate; empty for a root
 * @param state        where it is in its life
 * @param certificate  its certificate
 * @param signer       its signing key
 * @param activatedAt  when it began to sign, if it has
 * @param retireAfter  for an authority that stopped signing: when the last certificate it signed
 *                     has expired, so it can leave the bundle
 */
public record Authority(
        String id,
        TrustDomain trustDomain,
        Level level,
        Optional<String> parentId,
        State state,
        X509Certificate certificate,
        Signer signer,
        Optional<Instant> activatedAt,
        Optional<Instant> retireAfter) {

    /** Root or intermediate. */
    public enum Level { ROOT, INTERMEDIATE }

    /**
     * The life of an authority: {@code PREPARED} (in the bundle, not yet signing), {@code ACTIVE}
     * (signing), {@code PUBLISHED} (no longer signing, kept in the bundle until what it signed
     * expires), {@code RETIRED} (gone from the bundle).
     */
    public enum State { PREPARED, ACTIVE, PUBLISHED, RETIRED }

    /** When its certificate expires. */
    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** When its certificate begins. */
    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    Authority withState(State newState, Optional<Instant> activated, Optional<Instant> retire) {
        return new Authority(id, trustDomain, level, parentId, newState, certificate, signer, activated, retire);
    }

    @Override
    public String toString() {
        return level + " " + id + " of " + trustDomain + " (" + state + ", until " + notAfter() + ")";
    }
}
