package io.meshid.ca.issuance;

/**
 * The CA process's own door for reserved identities ({@code /meshid/*}, signer and admin paths):
 * its own server SVID and, in dev, the credentials it writes for the other servers. It applies
 * every rule of {@link WorkloadCa} except the reservation. No protocol adapter depends on it:
 * {@link WorkloadCa} is the only contract they see, and it refuses reserved identities.
 * Implementations are thread-safe.
 */
public interface InternalIssuance {

    /** Signs and journals as {@link WorkloadCa#signX509Svid}, for a reserved identity too. */
    IssuedX509Svid signInternal(X509SvidParams params);
}
