package io.meshid.ca.issuance;

import io.meshid.common.spiffe.SpiffeId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request to sign an X.509-SVID, as the adapters hand it to {@link WorkloadCa}: the CSR as
 * sent, the SPIFFE ID already parsed, and who asked.
 *
 * @param csrDer   PKCS#10 CSR in DER
 * @param spiffeId the SPIFFE ID to put in the URI SAN
 * @param ttl      the lifetime asked for; empty for the default
 * @param dnsNames DNS names to add as SANs
 * @param entryId  the registration entry it is for, when identity-server knows it
 * @param caller   the caller's SPIFFE ID, for the journal
 * @param admin    whether the leaf carries the {@link io.meshid.common.authz.AdminMark} (an admin
 *                 entry's SVID; the adapter lets only a signer ask for it)
 * @param ipAddresses IP literals to add as IP SANs: only the CA's own door for server SVIDs
 *                 ({@link InternalIssuance}, from {@code meshid.tls.server-names}) sets them
 * @param possessionVerified whether the caller verified the CSR's proof of possession before
 *                 sending it, so that the CA does not verify the signature again: the adapter sets
 *                 it for a signer only (identity-server verifies every CSR before it spends a join
 *                 token or a renewal; a signer can have any key it holds signed anyway, so a second
 *                 verification proves nothing). Every other caller's CSR is verified.
 */
public record X509SvidParams(byte[] csrDer, SpiffeId spiffeId, Optional<Duration> ttl, List<String> dnsNames,
        String entryId, String caller, boolean admin, List<String> ipAddresses, boolean possessionVerified) {

    /** The CSR's signature verified here. */
    public X509SvidParams(byte[] csrDer, SpiffeId spiffeId, Optional<Duration> ttl, List<String> dnsNames, String entryId,
            String caller, boolean admin, List<String> ipAddresses) {
        this(csrDer, spiffeId, ttl, dnsNames, entryId, caller, admin, ipAddresses, false);
    }

    /** Without IP addresses. */
    public X509SvidParams(byte[] csrDer, SpiffeId spiffeId, Optional<Duration> ttl, List<String> dnsNames, String entryId,
            String caller, boolean admin) {
        this(csrDer, spiffeId, ttl, dnsNames, entryId, caller, admin, List.of());
    }

    /** A workload (not admin) SVID. */
    public X509SvidParams(byte[] csrDer, SpiffeId spiffeId, Optional<Duration> ttl, List<String> dnsNames, String entryId,
            String caller) {
        this(csrDer, spiffeId, ttl, dnsNames, entryId, caller, false);
    }

    /** Copies the lists. */
    public X509SvidParams {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
        entryId = entryId == null ? "" : entryId;
    }
}
