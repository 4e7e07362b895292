package io.meshid.common.identity;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * How the sidecar gets and keeps its identity.
 *
 * @param identityServer identity-server's gRPC {@code host:port}
 * @param identityServerId the SPIFFE ID identity-server must present (e.g. {@code spiffe://td/meshid/identity-server})
 * @param certAuthority cert-authority's gRPC {@code host:port}, for {@code WatchTrustBundle}
 * @param certAuthorityId the SPIFFE ID cert-authority must present
 * @param bootstrapBundle a PEM file of the trust domain's root certificates, used only to verify
 *     identity-server during the first attestation (afterwards the bundle comes from the servers)
 * @param evidence the join token or Kubernetes token to attest with
 * @param spiffeId which SPIFFE ID to ask for when the evidence matches several entries
 * @param backoff retry schedule of failed renewals and of the bundle watch
 * @param clock judges expiry and schedules renewals
 */
public record IdentityConfig(String identityServer, SpiffeId identityServerId, String certAuthority, SpiffeId certAuthorityId,
        Path bootstrapBundle, Evidence evidence, Optional<SpiffeId> spiffeId, Backoff backoff, Clock clock) {

    public IdentityConfig {
        checkAddress("identity-server address", identityServer);
        checkAddress("cert-authority address", certAuthority);
        Objects.requireNonNull(identityServerId, "identityServerId");
        Objects.requireNonNull(certAuthorityId, "certAuthorityId");
        Objects.requireNonNull(bootstrapBundle, "bootstrapBundle");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(clock, "clock");
        if (!identityServerId.trustDomain().equals(certAuthorityId.trustDomain())) {
            throw new IllegalArgumentException("identity-server " + identityServerId + " and cert-authority " + certAuthorityId
                    + " are of different trust domains (expected: both of the sidecar's trust domain)");
        }
        spiffeId.ifPresent(id -> {
            if (!id.trustDomain().equals(identityServerId.trustDomain())) {
                throw new IllegalArgumentException("spiffe id " + id + " (expected: one of trust domain "
                        + identityServerId.trustDomain().name() + ")");
            }
        });
    }

    /** The common case: system clock, default backoff, no SPIFFE ID chosen. */
    public static IdentityConfig of(String identityServer, SpiffeId identityServerId, String certAuthority, SpiffeId certAuthorityId,
            Path bootstrapBundle, Evidence evidence) {
        return new IdentityConfig(identityServer, identityServerId, certAuthority, certAuthorityId, bootstrapBundle, evidence,
                Optional.empty(), Backoff.DEFAULT, Clock.systemUTC());
    }

    /** The trust domain of the sidecar, identity-server and the CA. */
    public TrustDomain trustDomain() {
        return identityServerId.trustDomain();
    }

    static String host(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }

    static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static void checkAddress(String what, String address) {
        Objects.requireNonNull(address, what);
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && colon < address.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port > 0 && port < 65536;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(what + ": \"" + address + "\" (expected: host:port with a port from 1 to 65535)");
        }
    }
}
